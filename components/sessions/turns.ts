/**
 * A trace as one turn of a conversation: what the user said last (from the root's input) and the
 * final answer (from its output). Only the shape is inspected; the text stays untrusted and the
 * session view renders it as text. Pure: no React, no Node APIs.
 */
import { extractChatMessages, type ChatMessage } from '@/lib/trace-view/messages';

/** What a turn shows for one side: text, or compact JSON when no text could be found. */
export interface TurnText {
  text: string;
  format: 'text' | 'json';
}

/** Longest JSON fallback kept (characters); the UI cuts text further. */
const MAX_JSON = 20_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asJson(value: unknown): TurnText {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return { text: text.length > MAX_JSON ? text.slice(0, MAX_JSON) : text, format: 'json' };
}

function partLabel(other: unknown): string {
  return isRecord(other) && typeof other.type === 'string' ? `[${other.type}]` : '[attachment]';
}

/** A message's text parts joined; other parts (images, tool use, …) named in brackets. */
function messageText(message: ChatMessage): string {
  return message.parts
    .map((part) => (part.text !== undefined ? part.text : partLabel(part.other)))
    .filter((text) => text !== '')
    .join('\n\n');
}

/** The chat messages of a value, also when only some items of a list are messages (Responses API `output`). */
function messagesOf(value: unknown): ChatMessage[] | null {
  const messages = extractChatMessages(value);
  if (messages) return messages;
  if (Array.isArray(value)) {
    const withRole = value.filter((item) => isRecord(item) && typeof item.role === 'string');
    if (withRole.length > 0 && withRole.length < value.length) return extractChatMessages(withRole);
  }
  return null;
}

function lastOfRole(messages: ChatMessage[], role: string): ChatMessage {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i].role === role) return messages[i];
  return messages[messages.length - 1];
}

const INPUT_KEYS = ['prompt', 'input', 'query', 'question', 'message', 'text', 'content'] as const;
const OUTPUT_KEYS = ['content', 'output_text', 'text', 'answer', 'result', 'output', 'completion', 'response', 'message'] as const;

/**
 * The user's last message in a root's `input_data`, or null when there is no input.
 * Recognised: chat messages (`[{role, content}]`, `{messages: […]}`, the Responses API's
 * `{input: "…" | […]}`), a plain string, and an object with a `prompt`, `input`, `query`,
 * `question`, `message`, `text` or `content` string. Anything else: its JSON.
 *
 * @example
 * userInputOf({ messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }, { role: 'user', content: 'Refund?' }] })
 * // { text: 'Refund?', format: 'text' }
 */
export function userInputOf(input: unknown): TurnText | null {
  if (input === null || input === undefined) return null;
  if (typeof input === 'string') return { text: input, format: 'text' };
  const messages = messagesOf(input) ?? (isRecord(input) ? messagesOf(input.input) : null);
  if (messages && messages.length > 0) return { text: messageText(lastOfRole(messages, 'user')), format: 'text' };
  if (isRecord(input)) {
    for (const key of INPUT_KEYS) if (typeof input[key] === 'string') return { text: input[key] as string, format: 'text' };
  }
  return asJson(input);
}

/**
 * The final answer in a root's `output_data`, or null when there is no output.
 * Recognised: a string; `{content: "…"}` (the chat API, a single message); OpenAI's
 * `{choices: [{message}]}`; Anthropic's `{content: [{type: 'text', text}]}`; chat messages (the
 * last assistant one), the Responses API's `{output: […]}`; an object with an `output_text`,
 * `text`, `answer`, `result`, `output`, `completion`, `response` or `message` string. Anything
 * else: its JSON.
 *
 * @example
 * finalOutputOf({ content: 'Within 30 days.', toolCalls: [] }) // { text: 'Within 30 days.', format: 'text' }
 */
export function finalOutputOf(output: unknown): TurnText | null {
  if (output === null || output === undefined) return null;
  if (typeof output === 'string') return { text: output, format: 'text' };
  if (isRecord(output)) {
    for (const key of OUTPUT_KEYS) if (typeof output[key] === 'string') return { text: output[key] as string, format: 'text' };
    if (Array.isArray(output.choices) && output.choices.length > 0) {
      const choice = output.choices[0];
      if (isRecord(choice)) {
        if (typeof choice.text === 'string') return { text: choice.text, format: 'text' };
        const message = messagesOf(choice.message);
        if (message && message.length > 0) return { text: messageText(message[message.length - 1]), format: 'text' };
      }
    }
    if (Array.isArray(output.content)) {
      const asMessage = messagesOf({ role: 'assistant', content: output.content });
      if (asMessage && asMessage.length > 0) return { text: messageText(asMessage[0]), format: 'text' };
    }
  }
  const messages = messagesOf(output) ?? (isRecord(output) ? messagesOf(output.output) : null);
  if (messages && messages.length > 0) return { text: messageText(lastOfRole(messages, 'assistant')), format: 'text' };
  return asJson(output);
}
