import 'server-only';
import { ApiError } from '@/lib/http/errors';
import type { PreparedChat } from './pipeline';
import type { ChatEvent } from './schema';

const encoder = new TextEncoder();

function frame(event: string, data: unknown): Uint8Array {
  return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * Streams a chat as Server-Sent Events: `delta` {text}…, `tool` {name, arguments, result}, then
 * `done` with the same object as the JSON response, or `error` {message, traceId}. When the client
 * goes away the pipeline's signal fires, so the trace ends `cancelled` with the partial answer.
 */
export function chatEventStream(
  start: (emit: (event: ChatEvent) => void, signal: AbortSignal) => Promise<PreparedChat>,
  requestSignal: AbortSignal,
): Promise<Response> {
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  requestSignal.addEventListener('abort', onAbort, { once: true });
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const emit = (event: ChatEvent) => {
    if (closed) return;
    try {
      if (event.type === 'delta') controller.enqueue(frame('delta', { text: event.text }));
      else if (event.type === 'tool') controller.enqueue(frame('tool', { name: event.name, arguments: event.arguments, result: event.result }));
      else if (event.type === 'done') controller.enqueue(frame('done', event.result));
      else controller.enqueue(frame('error', { message: event.message, traceId: event.traceId }));
    } catch {
      closed = true;
    }
  };
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel() {
      closed = true;
      abort.abort();
    },
  });

  // Validation and set-up errors surface as ordinary JSON errors before any byte is streamed.
  return start(emit, abort.signal).then((prepared) => {
    void prepared
      .run()
      .then((result) => emit({ type: 'done', result }))
      .catch((error) => {
        if (abort.signal.aborted) return;
        const message = error instanceof ApiError ? error.message : 'The chat failed unexpectedly. The error was logged.';
        if (!(error instanceof ApiError)) console.error('[llmtrace] chat stream failed:', error);
        emit({ type: 'error', message, traceId: prepared.traceId });
      })
      .finally(() => {
        requestSignal.removeEventListener('abort', onAbort);
        if (!closed) {
          closed = true;
          try {
            controller.close();
          } catch {
            // already closed by the client
          }
        }
      });
    const headers: Record<string, string> = {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    };
    if (prepared.traceId) headers['x-trace-id'] = prepared.traceId;
    return new Response(body, { headers });
  });
}
