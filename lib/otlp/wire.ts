/**
 * Small conversions shared by the OTLP codecs: ids between bytes and hex, bytes to base64,
 * 64-bit integers between their wire forms and JS values, and attribute assignment.
 *
 * They run once per id, timestamp or attribute on the ingest path, so they avoid regular
 * expressions and intermediate strings where a table or arithmetic does.
 */
import type { AttributeValue, Attributes } from './types';

/**
 * Input the OTLP receiver cannot decode at all (not protobuf, not JSON, or not shaped like an
 * `ExportTraceServiceRequest`). The route answers 400 with its message.
 */
export class OtlpDecodeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OtlpDecodeError';
  }
}

/** A 64-bit integer as protobufjs may hand it out: a `Long`, its `{low, high}` shape, or a number. */
export interface LongBitsLike {
  low: number;
  high: number;
  unsigned?: boolean;
}

const HEX_BYTE = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const UINT32 = 0xffffffffn;

/** Lowercase hex of `bytes` (`''` for none). */
export function bytesToHex(bytes: Uint8Array): string {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += HEX_BYTE[bytes[i]];
  return hex;
}

/** Bytes of a hex string; a trailing odd digit is ignored, a non-hex pair becomes 0. */
export function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16) || 0;
  return bytes;
}

/** True when every character is a hex digit (either case). */
export function isHex(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i) | 0x20;
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

export function bytesToBase64(bytes: Uint8Array): string {
  if (typeof Buffer === 'function') return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary);
}

/** Bytes of a base64 (or base64url) string, or null when it is not base64. */
export function base64ToBytes(value: string): Uint8Array | null {
  try {
    const binary = atob(value.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

/**
 * An unsigned 64-bit value (a `fixed64` timestamp) as a bigint, whatever form protobufjs used:
 * a bigint (our reader), a `Long` or `{low, high}` (with or without the `long` package), or a
 * number. Anything else is 0n.
 */
export function toUint64(value: unknown): bigint {
  if (typeof value === 'bigint') return BigInt.asUintN(64, value);
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? BigInt(Math.trunc(value)) : 0n;
  if (value !== null && typeof value === 'object' && 'low' in value && 'high' in value) {
    const { low, high } = value as LongBitsLike;
    return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
  }
  return 0n;
}

/**
 * A signed 64-bit integer as an attribute value: a number when it is exactly representable,
 * else its decimal string (so no digit is lost).
 */
export function int64ToAttribute(value: unknown): AttributeValue {
  if (typeof value === 'number') return value;
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (value !== null && typeof value === 'object' && 'low' in value && 'high' in value) {
    const { low, high, unsigned } = value as LongBitsLike;
    if (!unsigned && high >>> 0 === 0 && low >= 0) return low;
    big = BigInt.asIntN(64, (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0));
  } else return null;
  const asNumber = Number(big);
  return Number.isSafeInteger(asNumber) ? asNumber : big.toString();
}

/**
 * `{low, high}` of an unsigned 64-bit bigint: the form protobufjs's writer takes for `fixed64`
 * without losing precision (it reads a bigint as 0, a number above 2^53 rounded).
 */
export function uint64ToLongBits(value: bigint): LongBitsLike {
  const unsigned = BigInt.asUintN(64, value);
  return { low: Number(unsigned & UINT32) | 0, high: Number(unsigned >> 32n) | 0, unsigned: true };
}

/**
 * Sets `target[key]`. A key named `__proto__` becomes an ordinary own property instead of
 * replacing the object's prototype.
 */
export function setAttribute(target: Attributes, key: string, value: AttributeValue): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
