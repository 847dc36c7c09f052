'use client';

import { IntentLink } from '@/components/shell/IntentLink';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { PageHeader } from '@/components/shell/PageHeader';
import { formatCost, formatCount, formatDuration } from '@/lib/format';
import { DocumentForm } from './DocumentForm';
import { EvaluationForm } from './EvaluationForm';
import { sendChat, type ChatResult, type ToolEvent } from './stream';

export interface PlaygroundProvider {
  name: string;
  label: string;
  available: boolean;
  isDefault: boolean;
  defaultModel: string;
  note?: string;
}

export interface PlaygroundTool {
  name: string;
  description: string;
  available: boolean;
  reason?: string;
}

interface Turn {
  key: number;
  role: 'user' | 'assistant';
  content: string;
  status: 'streaming' | 'done' | 'error' | 'stopped';
  tools: ToolEvent[];
  result?: ChatResult;
  error?: { message: string; traceId: string | null };
}

const SUGGESTIONS = ['What is 12 * 7 + 3?', 'What time is it in UTC?', 'Explain what a trace span is in two sentences.'];

export function providerLabel(provider: PlaygroundProvider): string {
  return provider.name === 'demo' ? 'demo · offline' : provider.label;
}

function ToolCard({ tool }: { tool: ToolEvent }) {
  const args = JSON.stringify(tool.arguments);
  return (
    <div className="mb-2 rounded-lg border border-amber-200 bg-amber-50/60 px-3 py-2 text-xs" data-testid="chat-tool">
      <div className="flex items-center gap-1.5 font-medium text-amber-800">
        <svg viewBox="0 0 24 24" className="h-3.5 w-3.5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" aria-hidden>
          <path d="M14.7 6.3a4 4 0 0 0-5.4 5.4L3 18l3 3 6.3-6.3a4 4 0 0 0 5.4-5.4l-2.5 2.5-2.4-.6-.6-2.4 2.5-2.5Z" />
        </svg>
        <span className="font-mono">{tool.name}</span>
      </div>
      <div className="mt-1 grid grid-cols-[4.5rem_1fr] gap-x-2 gap-y-0.5 font-mono text-[11px] text-slate-700">
        <span className="text-slate-500">arguments</span>
        <span className="whitespace-pre-wrap break-all">{args}</span>
        <span className="text-slate-500">result</span>
        <span className="max-h-32 overflow-auto whitespace-pre-wrap break-all">{tool.result}</span>
      </div>
    </div>
  );
}

function ViewTraceLink({ traceId }: { traceId: string }) {
  return (
    <IntentLink href={`/analytics/traces/${traceId}`} className="inline-flex items-center gap-1 font-medium text-indigo-600 hover:text-indigo-800" data-testid="view-trace-link">
      View trace →
    </IntentLink>
  );
}

function AssistantFooter({ result }: { result: ChatResult }) {
  return (
    <div className="mt-2 flex flex-wrap items-center gap-x-3 gap-y-1 border-t border-slate-100 pt-2 text-xs text-slate-500" data-testid="chat-stats">
      <span className="font-mono">{result.model}</span>
      <span title={`${formatCount(result.usage.inputTokens)} in · ${formatCount(result.usage.outputTokens)} out`}>
        {formatCount(result.usage.totalTokens)} tokens
      </span>
      <span>{formatCost(result.costUsd)}</span>
      <span>{formatDuration(result.latencyMs)}</span>
      {result.traceId ? <ViewTraceLink traceId={result.traceId} /> : <span className="text-slate-400">not traced</span>}
    </div>
  );
}

function Message({ turn }: { turn: Turn }) {
  if (turn.role === 'user') {
    return (
      <div className="flex justify-end" data-testid="chat-message" data-role="user">
        <div className="max-w-[80%] whitespace-pre-wrap break-words rounded-2xl rounded-br-md bg-indigo-600 px-4 py-2.5 text-sm text-white shadow-sm">{turn.content}</div>
      </div>
    );
  }
  return (
    <div className="flex justify-start" data-testid="chat-message" data-role="assistant" data-status={turn.status}>
      <div className="w-full max-w-[85%] rounded-2xl rounded-bl-md border border-slate-200 bg-white px-4 py-3 shadow-sm">
        {turn.tools.map((tool, index) => (
          <ToolCard key={index} tool={tool} />
        ))}
        {turn.content ? (
          <div className="whitespace-pre-wrap break-words text-sm leading-6 text-slate-800" data-testid="chat-message-content">
            {turn.content}
            {turn.status === 'streaming' && <span className="ml-0.5 inline-block h-4 w-1.5 animate-pulse bg-indigo-400 align-text-bottom" aria-hidden />}
          </div>
        ) : turn.status === 'streaming' ? (
          <div className="flex items-center gap-1 py-1 text-slate-400" aria-label="Thinking">
            <span className="h-1.5 w-1.5 animate-bounce rounded-full bg-slate-400" />
            <span className="h-1.5 w-1.5 animate-bounce rounded-full bg-slate-400 [animation-delay:120ms]" />
            <span className="h-1.5 w-1.5 animate-bounce rounded-full bg-slate-400 [animation-delay:240ms]" />
          </div>
        ) : null}
        {turn.status === 'stopped' && <p className="mt-1 text-xs text-slate-400">Stopped.</p>}
        {turn.error && (
          <div className="mt-1 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-xs text-red-800" role="alert" data-testid="chat-error">
            <span className="whitespace-pre-wrap">{turn.error.message}</span>
            {turn.error.traceId && (
              <span className="ml-2">
                <ViewTraceLink traceId={turn.error.traceId} />
              </span>
            )}
          </div>
        )}
        {turn.result && <AssistantFooter result={turn.result} />}
        {turn.result?.messageId && <EvaluationForm messageId={turn.result.messageId} />}
      </div>
    </div>
  );
}

/** The playground: chat with a provider (streamed over SSE), see tool calls, costs and the trace, evaluate answers. */
export function ChatPlayground({ providers, tools }: { providers: PlaygroundProvider[]; tools: PlaygroundTool[] }) {
  const initialProvider = providers.find((p) => p.isDefault && p.available) ?? providers.find((p) => p.available) ?? providers[0];
  const [provider, setProvider] = useState(initialProvider?.name ?? 'demo');
  const [model, setModel] = useState(initialProvider?.defaultModel ?? '');
  const [enabledTools, setEnabledTools] = useState<string[]>(() => tools.filter((t) => t.available).map((t) => t.name));
  const [knowledgeBase, setKnowledgeBase] = useState(false);
  const [stream, setStream] = useState(true);
  const [turns, setTurns] = useState<Turn[]>([]);
  const [input, setInput] = useState('');
  const [conversationId, setConversationId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const abortRef = useRef<AbortController | null>(null);
  const keyRef = useRef(0);
  const scrollRef = useRef<HTMLDivElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    const el = scrollRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [turns]);
  useEffect(() => () => abortRef.current?.abort(), []);

  const selectedProvider = providers.find((p) => p.name === provider);

  function updateTurn(key: number, update: (turn: Turn) => Turn) {
    setTurns((current) => current.map((turn) => (turn.key === key ? update(turn) : turn)));
  }

  async function send(text = input) {
    const content = text.trim();
    if (!content || busy) return;
    const userKey = ++keyRef.current;
    const assistantKey = ++keyRef.current;
    // A continued conversation sends only the new message: the server holds the history.
    const history = conversationId
      ? []
      : turns.filter((t) => t.status === 'done' && t.content).map((t) => ({ role: t.role, content: t.content }));
    setTurns((current) => [
      ...current,
      { key: userKey, role: 'user', content, status: 'done', tools: [] },
      { key: assistantKey, role: 'assistant', content: '', status: 'streaming', tools: [] },
    ]);
    setInput('');
    setBusy(true);
    const controller = new AbortController();
    abortRef.current = controller;
    await sendChat(
      {
        messages: [...history, { role: 'user', content }],
        conversationId: conversationId ?? undefined,
        provider,
        model: model.trim() || undefined,
        stream,
        tools: enabledTools,
        knowledgeBase,
      },
      {
        onDelta: (delta) => updateTurn(assistantKey, (turn) => ({ ...turn, content: turn.content + delta })),
        onTool: (tool) => updateTurn(assistantKey, (turn) => ({ ...turn, tools: [...turn.tools, tool] })),
        onDone: (result) => {
          updateTurn(assistantKey, (turn) => ({
            ...turn,
            status: 'done',
            content: result.content,
            result,
            tools: turn.tools.length > 0 ? turn.tools : result.toolCalls.map((call) => ({ name: call.name, arguments: call.arguments, result: call.result })),
          }));
          setConversationId((current) => current ?? result.conversationId);
        },
        onError: (message, traceId) => updateTurn(assistantKey, (turn) => ({ ...turn, status: 'error', error: { message, traceId } })),
      },
      controller.signal,
    );
    if (controller.signal.aborted) updateTurn(assistantKey, (turn) => (turn.status === 'streaming' ? { ...turn, status: 'stopped' } : turn));
    abortRef.current = null;
    setBusy(false);
    inputRef.current?.focus();
  }

  function newChat() {
    abortRef.current?.abort();
    setTurns([]);
    setConversationId(null);
    setInput('');
    inputRef.current?.focus();
  }

  function onInputKey(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  }

  return (
    <main className="flex h-screen flex-col" data-testid="playground">
      <PageHeader
        title="Playground"
        description="Chat with a model; every request is traced."
        actions={
          <button type="button" onClick={newChat} className="inline-flex h-8 items-center rounded-md border border-slate-200 bg-white px-3 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50" data-testid="new-chat">
            New chat
          </button>
        }
      />
      <div className="flex min-h-0 flex-1">
        <section className="flex min-w-0 flex-1 flex-col bg-slate-50">
          <div ref={scrollRef} className="min-h-0 flex-1 overflow-y-auto px-6 py-5" data-testid="chat-log" aria-live="polite">
            {turns.length === 0 ? (
              <div className="mx-auto mt-16 max-w-md text-center">
                <h2 className="text-base font-semibold text-slate-900">Start a conversation</h2>
                <p className="mt-1 text-sm text-slate-500">
                  {provider === 'demo'
                    ? 'The demo model runs offline with canned answers; it calls the calculator for arithmetic and current_time for the time.'
                    : 'Each message becomes a trace you can open from the answer.'}
                </p>
                <div className="mt-4 flex flex-wrap justify-center gap-2">
                  {SUGGESTIONS.map((s) => (
                    <button key={s} type="button" onClick={() => void send(s)} className="rounded-full border border-slate-200 bg-white px-3 py-1 text-xs text-slate-600 shadow-sm hover:border-indigo-300 hover:text-indigo-700">
                      {s}
                    </button>
                  ))}
                </div>
              </div>
            ) : (
              <div className="mx-auto max-w-3xl space-y-4">
                {turns.map((turn) => (
                  <Message key={turn.key} turn={turn} />
                ))}
              </div>
            )}
          </div>
          <form
            className="border-t border-slate-200 bg-white px-6 py-3"
            onSubmit={(event) => {
              event.preventDefault();
              void send();
            }}
          >
            <div className="mx-auto flex max-w-3xl items-end gap-2">
              <textarea
                ref={inputRef}
                value={input}
                onChange={(e) => setInput(e.target.value)}
                onKeyDown={onInputKey}
                rows={2}
                placeholder="Send a message (Enter to send, Shift+Enter for a new line)"
                className="min-h-[2.75rem] flex-1 resize-y rounded-lg border border-slate-200 px-3 py-2 text-sm outline-none focus:border-indigo-400 focus:ring-2 focus:ring-indigo-100"
                aria-label="Message"
                data-testid="chat-input"
              />
              {busy ? (
                <button type="button" onClick={() => abortRef.current?.abort()} className="h-10 rounded-lg border border-slate-200 bg-white px-4 text-sm font-medium text-slate-700 hover:bg-slate-50" data-testid="chat-stop">
                  Stop
                </button>
              ) : (
                <button type="submit" disabled={!input.trim()} className="h-10 rounded-lg bg-indigo-600 px-4 text-sm font-medium text-white shadow-sm hover:bg-indigo-500 disabled:opacity-50" data-testid="chat-send">
                  Send
                </button>
              )}
            </div>
            <p className="mx-auto mt-1 max-w-3xl text-[11px] text-slate-400" data-testid="conversation-id">
              {conversationId ? `Conversation ${conversationId}` : 'New conversation'}
            </p>
          </form>
        </section>

        <aside className="w-80 shrink-0 space-y-4 overflow-y-auto border-l border-slate-200 bg-slate-50/60 p-4">
          <section className="space-y-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
            <label className="block">
              <span className="text-[11px] font-medium uppercase tracking-wide text-slate-500">Provider</span>
              <select
                value={provider}
                onChange={(e) => {
                  setProvider(e.target.value);
                  setModel(providers.find((p) => p.name === e.target.value)?.defaultModel ?? '');
                }}
                className="mt-1 h-8 w-full rounded-md border border-slate-200 bg-white px-2 text-sm"
                data-testid="provider-select"
              >
                {providers.map((p) => (
                  <option key={p.name} value={p.name} disabled={!p.available}>
                    {providerLabel(p)}
                    {p.available ? '' : ' (not configured)'}
                  </option>
                ))}
              </select>
              {selectedProvider?.note && <span className="mt-1 block text-[11px] text-slate-400">{selectedProvider.note}</span>}
            </label>
            <label className="block">
              <span className="text-[11px] font-medium uppercase tracking-wide text-slate-500">Model</span>
              <input
                value={model}
                onChange={(e) => setModel(e.target.value)}
                placeholder={selectedProvider?.defaultModel}
                className="mt-1 h-8 w-full rounded-md border border-slate-200 px-2 font-mono text-sm"
                data-testid="model-input"
              />
            </label>
            <fieldset>
              <legend className="text-[11px] font-medium uppercase tracking-wide text-slate-500">Tools</legend>
              <div className="mt-1 space-y-1.5">
                {tools.map((tool) => (
                  <label key={tool.name} className={`flex items-start gap-2 text-sm ${tool.available ? 'text-slate-700' : 'text-slate-400'}`} title={tool.description}>
                    <input
                      type="checkbox"
                      className="mt-0.5 accent-indigo-600"
                      checked={tool.available && enabledTools.includes(tool.name)}
                      disabled={!tool.available}
                      onChange={(e) => setEnabledTools((current) => (e.target.checked ? [...current, tool.name] : current.filter((n) => n !== tool.name)))}
                      data-testid={`tool-toggle-${tool.name}`}
                    />
                    <span>
                      <span className="font-mono text-xs">{tool.name}</span>
                      {!tool.available && tool.reason && <span className="block text-[11px]">{tool.reason}</span>}
                    </span>
                  </label>
                ))}
              </div>
            </fieldset>
            <div className="space-y-1.5 border-t border-slate-100 pt-3">
              <label className="flex items-center gap-2 text-sm text-slate-700">
                <input type="checkbox" className="accent-indigo-600" checked={knowledgeBase} onChange={(e) => setKnowledgeBase(e.target.checked)} data-testid="knowledge-base-toggle" />
                Knowledge base
              </label>
              <label className="flex items-center gap-2 text-sm text-slate-700">
                <input type="checkbox" className="accent-indigo-600" checked={stream} onChange={(e) => setStream(e.target.checked)} data-testid="stream-toggle" />
                Stream the answer
              </label>
            </div>
          </section>
          <DocumentForm />
        </aside>
      </div>
    </main>
  );
}
