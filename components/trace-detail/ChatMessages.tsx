'use client';

import type { ChatMessage } from '@/lib/trace-view/messages';
import { JsonTree, LongText } from './JsonTree';

const ROLE_STYLES: Record<string, string> = {
  system: 'border-slate-200 bg-slate-50',
  user: 'border-sky-200 bg-sky-50/60',
  assistant: 'border-indigo-200 bg-indigo-50/50',
  tool: 'border-amber-200 bg-amber-50/60',
};

const ROLE_LABEL: Record<string, string> = {
  system: 'text-slate-500',
  user: 'text-sky-700',
  assistant: 'text-indigo-700',
  tool: 'text-amber-700',
};

/** A conversation: one card per message, text shown as text (never as markdown or HTML). */
export function ChatMessages({ messages }: { messages: ChatMessage[] }) {
  return (
    <ol className="space-y-2" data-testid="chat-messages">
      {messages.map((message, index) => {
        const box = ROLE_STYLES[message.role] ?? 'border-slate-200 bg-white';
        const labelColor = ROLE_LABEL[message.role] ?? 'text-slate-500';
        const empty = message.parts.length === 0 && message.toolCalls === undefined;
        return (
          <li key={index} className={`rounded-lg border px-3 py-2 ${box}`} data-role={message.role}>
            <div className="mb-1 flex items-center gap-2 text-[11px] font-semibold uppercase tracking-wide">
              <span className={labelColor}>{message.role}</span>
              {message.name && <span className="font-mono normal-case text-slate-500">{message.name}</span>}
              {message.toolCallId && (
                <span className="font-mono font-normal normal-case text-slate-400">↩ {message.toolCallId}</span>
              )}
            </div>
            <div className="space-y-1.5 text-[13px] leading-relaxed text-slate-800">
              {message.parts.map((part, partIndex) =>
                part.text !== undefined ? (
                  <p key={partIndex}>
                    <LongText text={part.text} limit={2000} />
                  </p>
                ) : (
                  <JsonTree key={partIndex} value={part.other} defaultExpandDepth={1} />
                ),
              )}
              {message.toolCalls !== undefined && (
                <div>
                  <div className="mb-0.5 text-[11px] font-medium text-slate-500">Tool calls</div>
                  <JsonTree value={message.toolCalls} defaultExpandDepth={3} />
                </div>
              )}
              {empty && <p className="italic text-slate-400">(empty)</p>}
            </div>
          </li>
        );
      })}
    </ol>
  );
}
