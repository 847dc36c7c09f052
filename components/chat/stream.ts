import { CSRF_COOKIE, CSRF_HEADER, readCookie } from '@/lib/auth/cookies';
import type { ChatResult } from '@/lib/chat/schema';
import { parseSseBlock, splitSseBuffer } from '@/lib/chat/sse-parse';

export type { ChatResult };

export interface ChatRequest {
  messages: Array<{ role: 'user' | 'assistant' | 'system'; content: string }>;
  conversationId?: string;
  provider?: string;
  model?: string;
  stream: boolean;
  tools: string[];
  knowledgeBase: boolean;
}

export interface ToolEvent {
  name: string;
  arguments: Record<string, unknown>;
  result: string;
}

export interface ChatHandlers {
  onDelta(text: string): void;
  onTool(tool: ToolEvent): void;
  onDone(result: ChatResult): void;
  onError(message: string, traceId: string | null): void;
}

function dispatch(event: string, data: string, handlers: ChatHandlers): boolean {
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(data) as Record<string, unknown>;
  } catch {
    return false;
  }
  if (event === 'delta') handlers.onDelta(String(payload.text ?? ''));
  else if (event === 'tool')
    handlers.onTool({
      name: String(payload.name ?? ''),
      arguments: (payload.arguments as Record<string, unknown>) ?? {},
      result: typeof payload.result === 'string' ? payload.result : JSON.stringify(payload.result),
    });
  else if (event === 'done') {
    handlers.onDone(payload as unknown as ChatResult);
    return true;
  } else if (event === 'error') {
    handlers.onError(String(payload.message ?? 'The chat failed.'), typeof payload.traceId === 'string' ? payload.traceId : null);
    return true;
  }
  return false;
}

/**
 * POSTs to /api/chat (with the CSRF header, as `apiFetch` does) and reports the answer through
 * `handlers`: streamed (`stream: true`, SSE events) or in one piece. Errors, including JSON error
 * responses and a stream that ends without `done`, go to `onError`. Aborting `signal` stops quietly.
 */
export async function sendChat(body: ChatRequest, handlers: ChatHandlers, signal?: AbortSignal): Promise<void> {
  const headers = new Headers({ 'content-type': 'application/json', accept: body.stream ? 'text/event-stream' : 'application/json' });
  const csrf = readCookie(document.cookie, CSRF_COOKIE);
  if (csrf) headers.set(CSRF_HEADER, csrf);
  let response: Response;
  try {
    response = await fetch('/api/chat', { method: 'POST', headers, body: JSON.stringify(body), credentials: 'same-origin', signal });
  } catch (error) {
    if (signal?.aborted) return;
    handlers.onError(`Could not reach the server: ${error instanceof Error ? error.message : String(error)}`, null);
    return;
  }
  const headerTraceId = response.headers.get('x-trace-id');
  const type = response.headers.get('content-type') ?? '';

  if (!type.includes('text/event-stream')) {
    const data = (await response.json().catch(() => null)) as (ChatResult & { error?: { message?: string; traceId?: string } }) | null;
    if (response.ok && data && !data.error) handlers.onDone(data);
    else handlers.onError(data?.error?.message ?? `The request failed with status ${response.status}.`, data?.error?.traceId ?? headerTraceId);
    return;
  }

  const reader = response.body?.getReader();
  if (!reader) {
    handlers.onError('The response has no body.', headerTraceId);
    return;
  }
  const decoder = new TextDecoder();
  let buffer = '';
  let finished = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      buffer += decoder.decode(value ?? new Uint8Array(), { stream: !done });
      const { blocks, rest } = splitSseBuffer(done ? `${buffer}\n\n` : buffer);
      buffer = rest;
      for (const block of blocks) {
        const parsed = parseSseBlock(block);
        if (parsed && dispatch(parsed.event, parsed.data, handlers)) finished = true;
      }
      if (done) break;
    }
  } catch (error) {
    if (signal?.aborted) return;
    handlers.onError(`The stream broke off: ${error instanceof Error ? error.message : String(error)}`, headerTraceId);
    return;
  }
  if (!finished && !signal?.aborted) handlers.onError('The stream ended before the answer was complete.', headerTraceId);
}
