/**
 * Decodes an OTLP/HTTP `ExportTraceServiceRequest` (protobuf or JSON) into flat {@link OtlpSpan}s.
 *
 * Guarantees:
 * - Input that is not a request at all throws {@link OtlpDecodeError} (the route answers 400).
 * - A span that cannot be represented is reported in `invalid` with its index; the others are
 *   still returned, so the route can store them and count the rest in `partialSuccess`.
 * - Ids are lowercase hex, timestamps bigint nanoseconds, attribute values plain JSON values.
 *   Spans of one resource share one `resource` object: treat it as read-only.
 *
 * Protobuf goes through protobufjs's generated decoder with a reader whose 64-bit reads return
 * bigint (exact, and independent of whether the `long` package is loaded), then one walk over
 * the decoded messages; no `toObject`, no JSON round trip.
 */
import protobuf from 'protobufjs';
import { decodeJsonRequest } from './decode-json';
import { otlpTraceTypes } from './messages';
import type { Attributes, AttributeValue, OtlpEvent, OtlpSpan } from './types';
import { bytesToBase64, bytesToHex, int64ToAttribute, OtlpDecodeError, setAttribute, toUint64 } from './wire';

export { OtlpDecodeError } from './wire';

/** The two OTLP/HTTP encodings: `application/x-protobuf` and `application/json`. */
export type OtlpEncoding = 'protobuf' | 'json';

/** A span left out of `spans`, by its position among all spans of the request (from 0). */
export interface InvalidSpan {
  index: number;
  message: string;
}

export interface DecodedTraceRequest {
  /** The spans that decoded, in request order. */
  spans: OtlpSpan[];
  /** The spans that did not; `spans.length + invalid.length === total`. */
  invalid: InvalidSpan[];
  total: number;
}

/**
 * Decodes a request body (already decompressed).
 *
 * @example
 * const { spans, invalid } = decodeTraceRequest(new Uint8Array(await request.arrayBuffer()), 'protobuf');
 * // map and store `spans`; report invalid.length as partialSuccess.rejectedSpans
 */
export function decodeTraceRequest(body: Uint8Array, encoding: OtlpEncoding): DecodedTraceRequest {
  return encoding === 'json' ? decodeJsonRequest(body) : decodeProtobufRequest(body);
}

/**
 * Reads an `ExportTraceServiceResponse`; null when it carries no `partialSuccess`. Used by the
 * exporter to notice refused spans; throws {@link OtlpDecodeError} on an undecodable body.
 */
export function decodeTraceResponse(
  body: Uint8Array,
  encoding: OtlpEncoding,
): { rejectedSpans: number; errorMessage: string } | null {
  let partial: { rejectedSpans?: unknown; errorMessage?: unknown } | null | undefined;
  try {
    if (encoding === 'json') {
      const text = new TextDecoder().decode(body).trim();
      partial = text === '' ? null : (JSON.parse(text) as { partialSuccess?: typeof partial })?.partialSuccess;
    } else {
      const message = otlpTraceTypes().ExportTraceServiceResponse.decode(createReader(body));
      partial = (message as { partialSuccess?: typeof partial }).partialSuccess;
    }
  } catch (error) {
    throw new OtlpDecodeError(`undecodable ExportTraceServiceResponse: ${(error as Error).message}`, { cause: error });
  }
  if (!partial || typeof partial !== 'object') return null;
  const rejected = int64ToAttribute(typeof partial.rejectedSpans === 'string' ? Number(partial.rejectedSpans) : partial.rejectedSpans);
  return {
    rejectedSpans: typeof rejected === 'number' && rejected > 0 ? rejected : 0,
    errorMessage: typeof partial.errorMessage === 'string' ? partial.errorMessage : '',
  };
}

interface PbAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: unknown;
  doubleValue?: number;
  arrayValue?: { values?: PbAnyValue[] } | null;
  kvlistValue?: { values?: PbKeyValue[] } | null;
  bytesValue?: Uint8Array;
}
interface PbKeyValue {
  key?: string;
  value?: PbAnyValue | null;
}
interface PbEvent {
  timeUnixNano?: unknown;
  name?: string;
  attributes?: PbKeyValue[];
}
interface PbSpan {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  parentSpanId?: Uint8Array;
  name?: string;
  kind?: number;
  startTimeUnixNano?: unknown;
  endTimeUnixNano?: unknown;
  attributes?: PbKeyValue[];
  events?: PbEvent[];
  status?: { code?: number; message?: string } | null;
}
interface PbRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: PbKeyValue[] } | null;
    scopeSpans?: Array<{ scope?: { name?: string; version?: string } | null; spans?: PbSpan[] }>;
  }>;
}

const hasOwn = Object.prototype.hasOwnProperty;

function decodeProtobufRequest(body: Uint8Array): DecodedTraceRequest {
  let message: PbRequest;
  try {
    message = otlpTraceTypes().ExportTraceServiceRequest.decode(createReader(body)) as PbRequest;
  } catch (error) {
    throw new OtlpDecodeError(`undecodable protobuf ExportTraceServiceRequest: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const spans: OtlpSpan[] = [];
  for (const resourceSpans of message.resourceSpans ?? []) {
    const resource = keyValues(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      const scope = { name: scopeSpans.scope?.name ?? '', version: scopeSpans.scope?.version ?? '' };
      for (const span of scopeSpans.spans ?? []) spans.push(toSpan(span, resource, scope));
    }
  }
  return { spans, invalid: [], total: spans.length };
}

function toSpan(span: PbSpan, resource: Attributes, scope: OtlpSpan['scope']): OtlpSpan {
  const parent = span.parentSpanId;
  const end = toUint64(span.endTimeUnixNano);
  const code = span.status?.code;
  const kind = span.kind ?? 0;
  const events: OtlpEvent[] = [];
  for (const event of span.events ?? []) {
    events.push({ name: event.name ?? '', timeUnixNano: toUint64(event.timeUnixNano), attributes: keyValues(event.attributes) });
  }
  return {
    traceId: span.traceId ? bytesToHex(span.traceId) : '',
    spanId: span.spanId ? bytesToHex(span.spanId) : '',
    parentSpanId: parent && parent.length > 0 ? bytesToHex(parent) : null,
    name: span.name ?? '',
    kind: kind >= 0 && kind <= 5 ? kind : 0,
    startTimeUnixNano: toUint64(span.startTimeUnixNano),
    endTimeUnixNano: end === 0n ? null : end,
    attributes: keyValues(span.attributes),
    events,
    status: { code: code === 1 || code === 2 ? code : 0, message: span.status?.message ?? '' },
    resource,
    scope,
  };
}

function keyValues(list: PbKeyValue[] | undefined): Attributes {
  const attributes: Attributes = {};
  if (list) for (const kv of list) setAttribute(attributes, kv.key ?? '', anyValue(kv.value));
  return attributes;
}

/** The set member of the `AnyValue` oneof; decoded fields are own properties, defaults are not. */
function anyValue(value: PbAnyValue | null | undefined): AttributeValue {
  if (!value) return null;
  if (hasOwn.call(value, 'stringValue')) return value.stringValue ?? '';
  if (hasOwn.call(value, 'intValue')) return int64ToAttribute(value.intValue);
  if (hasOwn.call(value, 'boolValue')) return value.boolValue ?? false;
  if (hasOwn.call(value, 'doubleValue')) return value.doubleValue ?? 0;
  if (hasOwn.call(value, 'arrayValue')) return (value.arrayValue?.values ?? []).map(anyValue);
  if (hasOwn.call(value, 'kvlistValue')) return keyValues(value.kvlistValue?.values ?? undefined);
  if (hasOwn.call(value, 'bytesValue')) return value.bytesValue ? bytesToBase64(value.bytesValue) : '';
  return null;
}

/**
 * A protobufjs reader over `body` whose `fixed64` and `int64` return exact values (bigint, or a
 * number when small) instead of a `Long` or a rounded number. A Node `Buffer` view (no copy)
 * makes protobufjs decode strings natively.
 */
function createReader(body: Uint8Array): protobuf.Reader {
  const bytes = typeof Buffer === 'function' && !Buffer.isBuffer(body) ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : body;
  const reader = protobuf.Reader.create(bytes);
  return Object.assign(reader, { fixed64: readFixed64, int64: readInt64 }) as unknown as protobuf.Reader;
}

function readFixed64(this: protobuf.Reader): bigint {
  const { buf, pos } = this;
  if (pos + 8 > this.len) throw new RangeError(`index out of range: ${pos} + 8 > ${this.len}`);
  const low = (buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16) | (buf[pos + 3] << 24)) >>> 0;
  const high = (buf[pos + 4] | (buf[pos + 5] << 8) | (buf[pos + 6] << 16) | (buf[pos + 7] << 24)) >>> 0;
  this.pos = pos + 8;
  return (BigInt(high) << 32n) | BigInt(low);
}

/** Varint `int64`: numbers up to 7 bytes (49 bits, exact in a double), bigint beyond. */
function readInt64(this: protobuf.Reader): number | bigint {
  const { buf, len } = this;
  let pos = this.pos;
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 7; i++) {
    if (pos >= len) throw new RangeError('index out of range: truncated varint');
    const byte = buf[pos++];
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      this.pos = pos;
      return value;
    }
    scale *= 128;
  }
  pos = this.pos;
  let big = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    if (pos >= len) throw new RangeError('index out of range: truncated varint');
    const byte = buf[pos++];
    big |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) {
      this.pos = pos;
      return BigInt.asIntN(64, big);
    }
  }
  throw new Error('invalid varint encoding');
}
