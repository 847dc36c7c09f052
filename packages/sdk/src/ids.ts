/**
 * W3C Trace Context identifiers and span timing.
 *
 * Ids come from `crypto.randomFillSync`, drawn from a pooled buffer so that generating one costs a
 * slice and a hex encoding rather than a system call.
 */
import { randomFillSync } from 'node:crypto';

/** The all-zero trace id: W3C's "invalid" value, carried by contexts that record nothing. */
export const INVALID_TRACE_ID = '00000000000000000000000000000000';
/** The all-zero span id: W3C's "invalid" value, carried by contexts that record nothing. */
export const INVALID_SPAN_ID = '0000000000000000';

const TRACE_ID_BYTES = 16;
const SPAN_ID_BYTES = 8;
// 16 KiB: a fill and a hex encoding have a fixed cost that a larger pool spreads over more ids.
const POOL_BYTES = 16_384;
const pool = Buffer.allocUnsafe(POOL_BYTES);
// The pool's hex text: an id is a substring of it, which costs far less than encoding each id.
let poolHex = '';
let poolOffset = POOL_BYTES;

function randomHex(bytes: number): string {
  for (;;) {
    if (poolOffset + bytes > POOL_BYTES) {
      randomFillSync(pool);
      poolHex = pool.toString('hex');
      poolOffset = 0;
    }
    const start = poolOffset;
    poolOffset += bytes;
    for (let i = start; i < poolOffset; i++) {
      if (pool[i] !== 0) return poolHex.substring(2 * start, 2 * poolOffset);
    }
    // All zeros is W3C's invalid id: draw again.
  }
}

/**
 * A new trace id: 32 lowercase hex characters from a cryptographic random source, never all zeros.
 *
 * @example
 * generateTraceId(); // '4bf92f3577b34da6a3ce929d0e0e4736'
 */
export function generateTraceId(): string {
  return randomHex(TRACE_ID_BYTES);
}

/**
 * A new span id: 16 lowercase hex characters from a cryptographic random source, never all zeros.
 *
 * @example
 * generateSpanId(); // '00f067aa0ba902b7'
 */
export function generateSpanId(): string {
  return randomHex(SPAN_ID_BYTES);
}

const TRACE_ID_PATTERN = /^[0-9a-f]{32}$/;
const SPAN_ID_PATTERN = /^[0-9a-f]{16}$/;

/**
 * Whether `value` is a valid W3C trace id (32 lowercase hex characters, not all zeros).
 *
 * @example
 * isValidTraceId('4bf92f3577b34da6a3ce929d0e0e4736'); // true
 */
export function isValidTraceId(value: unknown): value is string {
  return typeof value === 'string' && TRACE_ID_PATTERN.test(value) && value !== INVALID_TRACE_ID;
}

/**
 * Whether `value` is a valid W3C span id (16 lowercase hex characters, not all zeros).
 *
 * @example
 * isValidSpanId('00f067aa0ba902b7'); // true
 */
export function isValidSpanId(value: unknown): value is string {
  return typeof value === 'string' && SPAN_ID_PATTERN.test(value) && value !== INVALID_SPAN_ID;
}

/**
 * Milliseconds from `start` to `end`. Never negative and never NaN: an end before the start, or an
 * invalid date, gives 0.
 *
 * @example
 * calculateDuration(new Date('2025-01-01T00:00:00Z'), new Date('2025-01-01T00:00:02.5Z')); // 2500
 */
export function calculateDuration(start: Date, end: Date): number {
  const ms = end.getTime() - start.getTime();
  return ms > 0 ? ms : 0;
}
