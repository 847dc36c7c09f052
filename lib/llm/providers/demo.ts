import { CancelledError, ProviderError } from '../errors';
import { countCompletionTokens, countPromptTokens } from '../tokens';
import type { ChatMessage, ToolCall, ToolDefinition } from '../types';
import type { ModelProvider, ProviderRequest, ProviderResult } from './provider';

/** A user message containing this makes the demo model fail like an upstream 502. */
export const DEMO_FAIL_TRIGGER = '[demo:fail]';

export const DEMO_MODEL = 'demo-1';

export interface DemoProviderOptions {
  /** Wait before the first word, in ms. Default 120. */
  firstTokenDelayMs?: number;
  /** Wait per word, in ms: a fixed value or a [min, max] range (each word's pick is deterministic). Default [5, 15]. */
  wordDelayMs?: number | [number, number];
}

/** The default pacing multiplied by `scale` (DEMO_DELAY_SCALE): 0 answers instantly. */
export function demoPacing(scale: number): Required<DemoProviderOptions> {
  return { firstTokenDelayMs: 120 * scale, wordDelayMs: [5 * scale, 15 * scale] };
}

/**
 * An offline, deterministic model for trying LLMTrace without an API key. It streams its answer
 * word by word, reports usage by counting tokens, and calls the built-in tools when they are
 * offered and the last user message asks for them:
 * - arithmetic ("what is 12*7", "3 plus 4") → `calculator`;
 * - "time", "date", "today" → `current_time`;
 * - "search", "news", "latest", "look up" → `web_search`.
 * After tool results it answers from them. A user message containing `[demo:fail]` fails the
 * call with a 502-style {@link ProviderError}. Every answer says it comes from the demo model.
 */
export function createDemoProvider(options: DemoProviderOptions = {}): ModelProvider {
  const pacing = { ...demoPacing(1), ...options };
  const firstTokenDelayMs = pacing.firstTokenDelayMs;
  const [minWordDelay, maxWordDelay] = typeof pacing.wordDelayMs === 'number' ? [pacing.wordDelayMs, pacing.wordDelayMs] : pacing.wordDelayMs;

  return {
    name: 'demo',
    async complete(request: ProviderRequest): Promise<ProviderResult> {
      if (request.signal?.aborted) throw new CancelledError();
      const reply = planDemoReply(request.messages, request.tools ?? []);

      await sleep(firstTokenDelayMs, request.signal);
      request.onFirstToken?.();
      const words = reply.content.match(/\S+\s*/g) ?? [];
      for (const [index, word] of words.entries()) {
        if (request.stream) request.onDelta?.(word);
        if (index < words.length - 1) {
          const spread = maxWordDelay - minWordDelay + 1;
          await sleep(minWordDelay + (hash(`${index}:${word}`) % Math.max(1, Math.floor(spread))), request.signal);
        }
      }

      const inputTokens = countPromptTokens(request.messages, request.tools);
      const outputTokens = countCompletionTokens(reply.content, reply.toolCalls);
      return {
        model: request.model || DEMO_MODEL,
        content: reply.content,
        toolCalls: reply.toolCalls,
        usage: { inputTokens, outputTokens },
        finishReason: reply.toolCalls.length ? 'tool_calls' : 'stop',
      };
    },
  };
}

const SIGNATURE = '(This answer comes from the offline demo model, demo-1, not from a real LLM.)';

/** What the demo model answers to a conversation: its decision logic, without the streaming. */
export function planDemoReply(messages: ChatMessage[], tools: ToolDefinition[]): { content: string; toolCalls: ToolCall[] } {
  const toolResults = trailingToolResults(messages);
  if (toolResults.length) return { content: answerFromToolResults(toolResults), toolCalls: [] };

  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const text = lastUser?.content.trim() ?? '';
  if (text.includes(DEMO_FAIL_TRIGGER)) {
    throw new ProviderError({
      provider: 'demo',
      status: 502,
      code: 'provider_unavailable',
      message: `The demo model failed on purpose: the message contains ${DEMO_FAIL_TRIGGER}.`,
      retryable: false,
    });
  }

  const offered = new Set(tools.map((tool) => tool.name));
  const callId = `call_demo_${hash(`${messages.length}:${text}`).toString(36)}`;

  const expression = findArithmetic(text);
  if (expression) {
    if (offered.has('calculator')) return toolCall(callId, 'calculator', { expression });
    return { content: `That looks like arithmetic (${expression}), but the calculator tool is not enabled for this request, so I won't guess. ${SIGNATURE}`, toolCalls: [] };
  }
  if (/\b(time|date|today|clock)\b|what day/i.test(text)) {
    if (offered.has('current_time')) {
      const timezone = text.match(/\b(?:UTC|[A-Z][A-Za-z_]+\/[A-Za-z_]+(?:\/[A-Za-z_]+)?)\b/)?.[0];
      return toolCall(callId, 'current_time', timezone ? { timezone } : {});
    }
    return { content: `I have no clock of my own and the current_time tool is not enabled for this request. ${SIGNATURE}`, toolCalls: [] };
  }
  if (/\b(search|news|latest|look up|lookup)\b/i.test(text)) {
    if (offered.has('web_search')) return toolCall(callId, 'web_search', { query: searchQuery(text) });
    return { content: `I would search the web for that, but the web_search tool is not available (set WEB_SEARCH_URL to enable it). ${SIGNATURE}`, toolCalls: [] };
  }
  return { content: cannedAnswer(text), toolCalls: [] };
}

function toolCall(id: string, name: string, args: Record<string, unknown>): { content: string; toolCalls: ToolCall[] } {
  return { content: '', toolCalls: [{ id, name, arguments: args }] };
}

function trailingToolResults(messages: ChatMessage[]): Array<Extract<ChatMessage, { role: 'tool' }>> {
  const results: Array<Extract<ChatMessage, { role: 'tool' }>> = [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message.role !== 'tool') break;
    results.unshift(message);
  }
  return results;
}

const NUMBER_WORDS: Array<[RegExp, string]> = [
  [/\bto the power of\b/gi, '^'],
  [/\bmultiplied by\b|\btimes\b/gi, '*'],
  [/\bdivided by\b|\bover\b/gi, '/'],
  [/\bplus\b/gi, '+'],
  [/\bminus\b/gi, '-'],
  [/\bmod(?:ulo)?\b/gi, '%'],
  [/×/g, '*'],
  [/÷/g, '/'],
  [/\*\*/g, '^'],
];

/** The arithmetic expression in a message ("what is 12*7?" → "12*7"), or null. */
export function findArithmetic(text: string): string | null {
  let normalized = text;
  for (const [pattern, symbol] of NUMBER_WORDS) normalized = normalized.replace(pattern, symbol);
  // "12 x 7" between numbers means multiplication.
  normalized = normalized.replace(/(\d)\s*[xX]\s*(?=[\d(])/g, '$1*');
  const candidates = normalized.match(/[-+*/^%().\d\s]+/g) ?? [];
  const expressions = candidates
    .map((candidate) => candidate.trim().replace(/^[+*/^%)\s]+|[-+*/^%(\s]+$/g, ''))
    .filter((candidate) => /\d\s*[-+*/^%]\s*[-+(]*\s*\.?\d/.test(candidate))
    // Dates such as 2024-08-06 are not subtractions.
    .filter((candidate) => !/^\d{4}-\d{2}-\d{2}$/.test(candidate));
  if (!expressions.length) return null;
  return expressions.reduce((longest, e) => (e.length > longest.length ? e : longest));
}

function searchQuery(text: string): string {
  const query = text
    .replace(/^\s*(please\s+)?(can you\s+)?(search( the web)?( for)?|look up|lookup|find)\s*/i, '')
    .replace(/[?!.]+$/, '')
    .trim();
  return query || text;
}

function answerFromToolResults(results: Array<Extract<ChatMessage, { role: 'tool' }>>): string {
  const sentences = results.map((result) => {
    const data = parseJson(result.content);
    const error = data && typeof data === 'object' && 'error' in data ? String((data as { error: unknown }).error) : null;
    if (error || /^error\b/i.test(result.content)) {
      return `The ${result.name} tool failed (${error ?? result.content}), so I can't give you a verified answer.`;
    }
    if (result.name === 'calculator' && isRecord(data) && 'result' in data) {
      return `The calculator says ${String(data.expression ?? 'the expression')} = ${String(data.result)}.`;
    }
    if (result.name === 'current_time' && isRecord(data)) {
      return `According to the current_time tool it is ${String(data.local ?? data.iso)} (${String(data.timezone ?? 'UTC')}).`;
    }
    if (result.name === 'web_search' && isRecord(data) && Array.isArray(data.results)) {
      const top = (data.results as Array<Record<string, unknown>>).slice(0, 3);
      if (!top.length) return `The web search for "${String(data.query ?? '')}" found nothing.`;
      const lines = top.map((r, i) => `${i + 1}. ${String(r.title ?? 'untitled')} (${String(r.url ?? '')})`);
      return `Here is what the web search found:\n${lines.join('\n')}\n`;
    }
    const preview = result.content.length > 200 ? `${result.content.slice(0, 200)}…` : result.content;
    return `The ${result.name} tool returned: ${preview}`;
  });
  return `${sentences.join(' ')} ${SIGNATURE}`;
}

const CANNED_OPENINGS = [
  'Hello! I am the offline demo model that ships with LLMTrace.',
  'Thanks for your message. I am LLMTrace\'s offline demo model.',
  'Good question. I am only the offline demo model of LLMTrace, though.',
];

function cannedAnswer(text: string): string {
  const opening = CANNED_OPENINGS[hash(text) % CANNED_OPENINGS.length];
  const quoted = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  const echo = quoted ? ` You wrote: "${quoted}".` : '';
  return (
    `${opening}${echo} I give canned answers without calling any real LLM, so nothing here is billed; ` +
    'the cost you see on this trace is a nominal demo price. Every step of this reply was traced: open the trace ' +
    'to see the spans. Ask me "what is 12*7" or "what time is it" with tools enabled to see a tool call, ' +
    `or include ${DEMO_FAIL_TRIGGER} to see a failed trace. Set OPENAI_API_KEY or ANTHROPIC_API_KEY for real answers. ${SIGNATURE}`
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** FNV-1a: a small, stable hash so the demo's choices repeat exactly for the same input. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(new CancelledError());
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
