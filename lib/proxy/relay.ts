/**
 * Carries the provider's reply body to the client while a recorder reads a copy.
 *
 * - Bytes go out as they arrive: each upstream chunk is handed on before it is parsed. Only when
 *   events may be dropped or rewritten (the usage chunk the proxy asked for on the client's
 *   behalf) is an event held until its blank line, which a client's SSE parser waits for anyway.
 * - Recording can never break the relay: a recorder that throws is switched off and the bytes
 *   keep flowing.
 * - The end is reported once, after the client's stream has been closed, so parsing the body
 *   and ending the span never delay the response.
 * - A client that goes away (the stream is cancelled) stops the upstream call: cancelling the
 *   upstream body closes its connection, and the request's own signal aborts the fetch too.
 *
 * A pull-based `ReadableStream` rather than a `TransformStream`: it sees the client's cancel
 * directly, and reads upstream only as fast as the client takes bytes.
 */
import { reportError } from '@llmtrace/sdk';
import { SseFramer } from './sse';
import type { ResponseRecorder, SseEvent } from './types';

/** How the relay ended: every byte delivered, the client left, or the upstream broke off. */
export type RelayEnd = { outcome: 'completed' } | { outcome: 'cancelled' } | { outcome: 'failed'; error: unknown };

export interface RelayOptions {
  /** Read the body as Server-Sent Events; otherwise as one JSON document. */
  sse: boolean;
  /** The recorder may drop or rewrite events: forward whole events instead of raw chunks. */
  rewriteEvents: boolean;
  recorder: ResponseRecorder;
  /** The client's signal: a read failing after it fired is a cancellation, not a failure. */
  clientSignal: AbortSignal;
  /** Called once, when the first event carrying output has been forwarded. */
  onFirstOutput(): void;
  /** Called once, after the client's stream is closed, errored or cancelled. */
  onEnd(end: RelayEnd): void;
}

/** A JSON body kept whole for parsing up to this size; past it only its tail (model, usage) is read. */
const MAX_JSON_BYTES = 16 * 1024 * 1024;
const JSON_TAIL_BYTES = 64 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function relayBody(upstream: ReadableStream<Uint8Array>, options: RelayOptions): ReadableStream<Uint8Array> {
  const { recorder } = options;
  const reader = upstream.getReader();
  const framer = options.sse ? new SseFramer() : undefined;
  const json = options.sse ? undefined : new JsonCollector();
  // Events can only be dropped from an event stream (a server may answer a stream request with JSON).
  const rewrite = options.rewriteEvents && options.sse;
  let recording = true;
  let sawOutput = false;
  let ended = false;

  const stopRecording = (error: unknown) => {
    recording = false;
    reportError('proxy: reading the provider reply for the span failed; the reply is still forwarded', error);
  };

  /** Reads one event and says what to send for it (its raw bytes when recording is off). */
  const onEvent = (raw: Uint8Array, event: SseEvent | null): Uint8Array | undefined => {
    if (!recording || event === null) return raw;
    try {
      const verdict = recorder.event(event, () => decoder.decode(raw));
      if (verdict === 'drop') return undefined;
      const output = verdict === 'output' || (typeof verdict === 'object' && verdict.output === true);
      if (output && !sawOutput) {
        sawOutput = true;
        options.onFirstOutput();
      }
      return typeof verdict === 'object' ? encoder.encode(verdict.rewrite) : raw;
    } catch (error) {
      stopRecording(error);
      return raw;
    }
  };

  const finish = (end: RelayEnd) => {
    if (ended) return;
    ended = true;
    setImmediate(() => {
      if (json && recording) {
        try {
          recorder.json(json.parse());
        } catch (error) {
          stopRecording(error);
        }
      }
      try {
        options.onEnd(end);
      } catch (error) {
        // Outside any request now: a throw here would take the whole process down.
        reportError('proxy: ending the span failed', error);
      }
    });
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await reader.read();
        } catch (error) {
          if (ended) return;
          finish(options.clientSignal.aborted ? { outcome: 'cancelled' } : { outcome: 'failed', error });
          controller.error(error);
          return;
        }
        // Cancelled meanwhile: the pending read resolved as done, and the stream is already closed.
        if (ended) return;
        const forward = (raw: Uint8Array, event: SseEvent | null) => {
          const out = onEvent(raw, event);
          if (out && rewrite) controller.enqueue(out);
        };
        if (result.done) {
          if (framer && (recording || rewrite)) framer.end(forward);
          controller.close();
          finish({ outcome: 'completed' });
          return;
        }
        const chunk = result.value;
        if (!rewrite) controller.enqueue(chunk);
        if (framer && (recording || rewrite)) framer.push(chunk, forward);
        else if (json && recording) json.add(chunk);
      },
      // Cancelling the upstream body closes its connection: the provider sees the abort.
      cancel(reason) {
        finish({ outcome: 'cancelled' });
        return reader.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}

/** Keeps a JSON body for parsing at the end, bounded in memory. */
class JsonCollector {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private overflow = false;

  add(chunk: Uint8Array): void {
    this.size += chunk.length;
    this.chunks.push(chunk);
    if (this.size <= MAX_JSON_BYTES) return;
    this.overflow = true;
    // Keep only the tail, where OpenAI and Anthropic put `model` and `usage`.
    let kept = 0;
    let from = this.chunks.length;
    while (from > 0 && kept < JSON_TAIL_BYTES) kept += this.chunks[--from].length;
    this.chunks = this.chunks.slice(from);
  }

  parse(): unknown {
    const text = Buffer.concat(this.chunks).toString('utf8');
    this.chunks = [];
    if (!text) return undefined;
    if (this.overflow) return salvageTail(text);
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  }
}

/** `{model, usage}` read from the tail of a body too large to keep: enough for tokens and cost. */
function salvageTail(tail: string): Record<string, unknown> {
  const out: Record<string, unknown> = { truncated: true };
  const model = /"model"\s*:\s*("(?:[^"\\]|\\.)*")/.exec(tail);
  if (model) out.model = JSON.parse(model[1]);
  const usageAt = tail.lastIndexOf('"usage"');
  const open = usageAt === -1 ? -1 : tail.indexOf('{', usageAt);
  if (open !== -1) {
    let depth = 0;
    for (let i = open; i < tail.length; i++) {
      if (tail[i] === '{') depth++;
      else if (tail[i] === '}' && --depth === 0) {
        try {
          out.usage = JSON.parse(tail.slice(open, i + 1));
        } catch {
          // A tail cut inside the usage object: no tokens, the call is still recorded.
        }
        break;
      }
    }
  }
  return out;
}
