/**
 * One chat shape for every convention's messages: `{role, content, tool_calls?, tool_call_id?}`,
 * with `content` a string, null or a list of parts. It is what the trace view's chat panel
 * (`lib/trace-view/messages.ts`) renders as a conversation, and it keeps tool calls.
 *
 * Read here: GenAI semconv `{role, parts:[{type, content}]}`, OpenAI `{role, content, tool_calls}`,
 * Vercel AI SDK parts (`tool-call`, `tool-result`), Anthropic blocks (`tool_use`, `tool_result`),
 * and the flattened shapes the OpenInference and OpenLLMetry mappers rebuild.
 */
import { asText, isRecord, parseJson } from './convention';

/** One tool call an assistant message requested, as our own chat pipeline records it. */
export interface ToolCall {
  id?: string;
  name: string;
  arguments?: unknown;
}

export interface ChatMessage {
  role: string;
  /** Text, or parts (`{type:'text', text}`, images, reasoning, …), or null when only tools were called. */
  content: string | null | unknown[];
  name?: string;
  tool_calls?: ToolCall[];
  /** The call a `tool` message answers. */
  tool_call_id?: string;
  finish_reason?: string;
}

/** Tool-call parts of the GenAI semconv, the Vercel AI SDK and Anthropic. */
const TOOL_CALL_PARTS = new Set(['tool_call', 'tool-call', 'tool_use', 'function_call']);
/** Tool-result parts of the same. */
const TOOL_RESULT_PARTS = new Set(['tool_call_response', 'tool-result', 'tool_result', 'function_call_output']);

/** Any value as message text: strings as they are, anything else as JSON. */
export function asContentText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value) ?? '';
}

/** A tool call in any of the supported shapes, or undefined when it names no tool. */
export function toToolCall(value: unknown): ToolCall | undefined {
  if (!isRecord(value)) return undefined;
  const fn = isRecord(value.function) ? value.function : value;
  const name = asText(fn.name) ?? asText(value.toolName) ?? asText(value.tool_name);
  if (!name) return undefined;
  const id = asText(value.id) ?? asText(value.toolCallId) ?? asText(value.call_id);
  const args = fn.arguments ?? value.input ?? value.args;
  const call: ToolCall = id ? { id, name } : { name };
  if (args !== undefined && args !== null) call.arguments = parseJson(args);
  return call;
}

/** Parts as the chat view shows them: text parts as `{type:'text', text}`, others unchanged. */
function normalizePart(part: unknown): unknown {
  if (typeof part === 'string') return { type: 'text', text: part };
  if (!isRecord(part)) return part;
  const text = typeof part.text === 'string' ? part.text : typeof part.content === 'string' ? part.content : undefined;
  if ((part.type === 'text' || part.type === undefined) && text !== undefined) return { type: 'text', text };
  return part;
}

/**
 * Content as sent, or its parts when it is a JSON string holding a list of typed parts (OpenLLMetry
 * serialises list content); a text that merely looks like JSON stays text.
 */
function partsOrValue(content: unknown): unknown {
  const parsed = parseJson(content);
  if (parsed === content || !Array.isArray(parsed)) return content;
  return parsed.every((part) => isRecord(part) && typeof part.type === 'string') ? parsed : content;
}

/** A single text part reads best as plain text. */
function compactContent(parts: unknown[]): string | null | unknown[] {
  if (parts.length === 0) return null;
  if (parts.length === 1 && isRecord(parts[0]) && parts[0].type === 'text' && typeof parts[0].text === 'string') return parts[0].text;
  return parts;
}

/**
 * The messages one chat message of any supported shape stands for. Usually one; a message holding
 * several tool results becomes one `tool` message per result, as in OpenAI's format.
 */
export function toChatMessages(value: unknown, defaultRole = 'user'): ChatMessage[] {
  if (typeof value === 'string') return [{ role: defaultRole, content: value }];
  if (!isRecord(value)) return [];
  const role = asText(value.role) ?? defaultRole;
  const rawParts = Array.isArray(value.parts) ? value.parts : partsOrValue(value.content);
  const parts: unknown[] = [];
  const toolCalls: ToolCall[] = [];
  const results: ChatMessage[] = [];
  let content: string | null | unknown[];
  if (Array.isArray(rawParts)) {
    for (const part of rawParts) {
      const type = isRecord(part) ? part.type : undefined;
      if (typeof type === 'string' && TOOL_CALL_PARTS.has(type)) {
        const call = toToolCall(part);
        if (call) toolCalls.push(call);
      } else if (typeof type === 'string' && TOOL_RESULT_PARTS.has(type) && isRecord(part)) {
        const id = asText(part.id) ?? asText(part.toolCallId) ?? asText(part.tool_use_id) ?? asText(part.call_id);
        const output = part.response ?? part.output ?? part.result ?? part.content;
        results.push({ role: 'tool', content: asContentText(isRecord(output) && 'value' in output ? output.value : output), ...(id ? { tool_call_id: id } : {}) });
      } else {
        parts.push(normalizePart(part));
      }
    }
    content = compactContent(parts);
  } else if (rawParts === undefined || rawParts === null) {
    content = null;
  } else {
    content = asContentText(rawParts);
  }
  if (Array.isArray(value.tool_calls)) {
    for (const raw of value.tool_calls) {
      const call = toToolCall(raw);
      if (call) toolCalls.push(call);
    }
  }
  const message: ChatMessage = { role, content };
  const name = asText(value.name);
  if (name) message.name = name;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const toolCallId = asText(value.tool_call_id) ?? asText(value.id);
  if (toolCallId && role === 'tool') message.tool_call_id = toolCallId;
  const finishReason = asText(value.finish_reason);
  if (finishReason) message.finish_reason = finishReason;
  if (results.length > 0 && content === null && toolCalls.length === 0) return results;
  return results.length > 0 ? [message, ...results] : [message];
}

/** A list of messages of any supported shape, or undefined when `value` is not a non-empty list. */
export function toChatMessageList(value: unknown, defaultRole = 'user'): ChatMessage[] | undefined {
  const list = parseJson(value);
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const messages = list.flatMap((item) => toChatMessages(item, defaultRole));
  return messages.length > 0 ? messages : undefined;
}
