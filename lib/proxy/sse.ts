/**
 * Cuts a Server-Sent Events byte stream into events while keeping each event's exact bytes, so
 * the relay can pass them on untouched (or, for the one chunk the proxy itself asked for, drop
 * them). Works on bytes: CR and LF never occur inside a UTF-8 multi-byte character, so an event
 * boundary is found without decoding, and an event's bytes always decode whole.
 *
 * Guarantees: the concatenation of every `raw` handed out (by `push` and `end`) equals the input;
 * line ends may be LF, CRLF or CR (WHATWG HTML §9.2.5), also when a CRLF is split across chunks.
 */
import { parseSseBlock } from '@/lib/chat/sse-parse';
import type { SseEvent } from './types';

const LF = 0x0a;
const CR = 0x0d;

/** Receives one event: its raw bytes (blank line included) and its parsed form (null: comments only). */
export type SseSink = (raw: Uint8Array, event: SseEvent | null) => void;

/**
 * Incremental SSE framing.
 *
 * @example
 * const framer = new SseFramer();
 * framer.push(chunk, (raw, event) => console.log(event?.data));
 * framer.end((raw, event) => {});
 */
export class SseFramer {
  private pending: Uint8Array | undefined;
  /** Where, in `pending`, the current line starts and scanning resumes. */
  private lineStart = 0;
  private scanned = 0;
  private readonly decoder = new TextDecoder();

  push(chunk: Uint8Array, sink: SseSink): void {
    const buffer = this.pending ? concat(this.pending, chunk) : chunk;
    let eventStart = 0;
    let lineStart = this.lineStart;
    let i = this.scanned;
    while (i < buffer.length) {
      const byte = buffer[i];
      if (byte !== LF && byte !== CR) {
        i++;
        continue;
      }
      let next = i + 1;
      if (byte === CR) {
        // A CR at the end of what we have may be the first half of a CRLF: decide with the next chunk.
        if (next === buffer.length) break;
        if (buffer[next] === LF) next++;
      }
      const blankLine = i === lineStart;
      lineStart = next;
      i = next;
      if (blankLine) {
        const raw = buffer.subarray(eventStart, next);
        sink(raw, this.parse(raw));
        eventStart = next;
      }
    }
    this.pending = eventStart < buffer.length ? buffer.slice(eventStart) : undefined;
    this.lineStart = lineStart - eventStart;
    this.scanned = i - eventStart;
  }

  /** The stream ended: hands out whatever was not yet terminated by a blank line. */
  end(sink: SseSink): void {
    const rest = this.pending;
    this.pending = undefined;
    this.lineStart = 0;
    this.scanned = 0;
    if (rest && rest.length > 0) sink(rest, this.parse(rest));
  }

  private parse(raw: Uint8Array): SseEvent | null {
    return parseSseBlock(this.decoder.decode(raw));
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
