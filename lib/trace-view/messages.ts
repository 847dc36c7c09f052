/**
 * Recognises span input/output that is a chat conversation, so the details panel can show it as
 * one. Only the shape is inspected; the text stays untrusted and is rendered as text.
 */

export interface ChatPart {
  /** Text of a `{type:'text', text}` part, or of a plain string part. */
  text?: string;
  /** Any other part (image, tool use, …), shown as JSON. */
  other?: unknown;
}

export interface ChatMessage {
  role: string;
  /** Optional speaker name (`name` field). */
  name?: string;
  parts: ChatPart[];
  /** Tool calls requested by an assistant message (`tool_calls`), shown as JSON. */
  toolCalls?: unknown;
  /** Id of the tool call a `tool` message answers. */
  toolCallId?: string;
}

const MAX_MESSAGES = 10_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toParts(content: unknown): ChatPart[] | null {
  if (typeof content === 'string') return [{ text: content }];
  if (content === null || content === undefined) return [];
  if (!Array.isArray(content)) return null;
  return content.map((part): ChatPart => {
    if (typeof part === 'string') return { text: part };
    if (isRecord(part) && (part.type === 'text' || part.type === 'output_text' || part.type === 'input_text') && typeof part.text === 'string') {
      return { text: part.text };
    }
    return { other: part };
  });
}

function toMessage(value: unknown): ChatMessage | null {
  if (!isRecord(value) || typeof value.role !== 'string' || value.role === '') return null;
  if (!('content' in value) && !('tool_calls' in value)) return null;
  const parts = toParts(value.content);
  if (parts === null) return null;
  const message: ChatMessage = { role: value.role, parts };
  if (typeof value.name === 'string') message.name = value.name;
  if (value.tool_calls !== undefined && value.tool_calls !== null) message.toolCalls = value.tool_calls;
  if (typeof value.tool_call_id === 'string') message.toolCallId = value.tool_call_id;
  return message;
}

function toMessages(list: unknown[]): ChatMessage[] | null {
  if (list.length === 0 || list.length > MAX_MESSAGES) return null;
  const messages: ChatMessage[] = [];
  for (const item of list) {
    const message = toMessage(item);
    if (!message) return null;
    messages.push(message);
  }
  return messages;
}

/**
 * The chat messages in a span's input or output, or null when it is not a conversation.
 * Recognised: an array of `{role, content}`, `{messages: [...]}` (a string `system` field beside
 * them becomes a leading system message), and a single `{role, content}`.
 * `content` may be a string, null, or an array of parts (`{type:'text', text}` and others).
 *
 * @example
 * extractChatMessages({ messages: [{ role: 'user', content: 'hi' }] })
 * // [{ role: 'user', parts: [{ text: 'hi' }] }]
 */
export function extractChatMessages(value: unknown): ChatMessage[] | null {
  if (Array.isArray(value)) return toMessages(value);
  if (!isRecord(value)) return null;
  if (Array.isArray(value.messages)) {
    const messages = toMessages(value.messages);
    if (messages && typeof value.system === 'string') messages.unshift({ role: 'system', parts: [{ text: value.system }] });
    return messages;
  }
  const single = toMessage(value);
  return single ? [single] : null;
}
