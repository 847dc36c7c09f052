/**
 * Encodes OTLP/HTTP trace messages: the receiver's `ExportTraceServiceResponse` and the
 * exporter's `ExportTraceServiceRequest`, as protobuf or as OTLP/JSON.
 *
 * OTLP/JSON follows the spec's "JSON Protobuf Encoding": lowerCamelCase keys, hex ids, integer
 * enums, and 64-bit integers (timestamps, `rejectedSpans`) as decimal strings, the proto3 JSON
 * form every receiver must accept and the only one that keeps nanoseconds exact.
 */
import type { OtlpEncoding } from './decode';
import { otlpTraceTypes } from './messages';
import type { Attributes, AttributeValue, OtlpEvent, OtlpStatusCode } from './types';
import { hexToBytes, uint64ToLongBits } from './wire';

/** Content types of the two encodings. */
export const OTLP_CONTENT_TYPES: Readonly<Record<OtlpEncoding, string>> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

/** One finished span to export. */
export interface ExportSpan {
  /** Resource attributes (`service.name`, …). Spans passing the same object share one `ResourceSpans`. */
  resource: Attributes;
  scope: { name: string; version?: string };
  /** 32 hex characters. */
  traceId: string;
  /** 16 hex characters. */
  spanId: string;
  parentSpanId: string | null;
  name: string;
  /** OTLP `SpanKind`: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  status: { code: OtlpStatusCode; message?: string };
  events?: OtlpEvent[];
}

/** Spans the receiver refused, for `partialSuccess`. */
export interface PartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

/**
 * The reply to an export, in the request's encoding: empty on full success, with
 * `partialSuccess` when spans were refused (or when `errorMessage` carries a warning).
 *
 * @example
 * const { body, contentType } = encodeTraceResponse('json', { rejectedSpans: 2, errorMessage: 'span 3: traceId is not hex' });
 * return new Response(body, { headers: { 'content-type': contentType } });
 */
export function encodeTraceResponse(
  encoding: OtlpEncoding,
  partial?: PartialSuccess,
): { body: Uint8Array | string; contentType: string } {
  const refused = partial && (partial.rejectedSpans > 0 || partial.errorMessage !== '');
  const contentType = OTLP_CONTENT_TYPES[encoding];
  if (encoding === 'json') {
    const body = refused
      ? { partialSuccess: { rejectedSpans: String(partial.rejectedSpans), errorMessage: partial.errorMessage } }
      : {};
    return { body: JSON.stringify(body), contentType };
  }
  const message = refused ? { partialSuccess: { rejectedSpans: partial.rejectedSpans, errorMessage: partial.errorMessage } } : {};
  return { body: otlpTraceTypes().ExportTraceServiceResponse.encode(message).finish(), contentType };
}

/**
 * An `ExportTraceServiceRequest` holding `spans`, grouped by resource object and by scope.
 *
 * @example
 * const body = encodeTraceRequest([span], 'protobuf');
 * await fetch(url, { method: 'POST', headers: { 'content-type': OTLP_CONTENT_TYPES.protobuf }, body });
 */
export function encodeTraceRequest(spans: readonly ExportSpan[], encoding: 'protobuf'): Uint8Array;
export function encodeTraceRequest(spans: readonly ExportSpan[], encoding: 'json'): string;
export function encodeTraceRequest(spans: readonly ExportSpan[], encoding: OtlpEncoding): Uint8Array | string;
export function encodeTraceRequest(spans: readonly ExportSpan[], encoding: OtlpEncoding): Uint8Array | string {
  const wire = encoding === 'json' ? JSON_WIRE : PROTOBUF_WIRE;
  const groups = new Map<Attributes, Map<string, { scope: { name: string; version: string }; spans: object[] }>>();
  for (const span of spans) {
    let scopes = groups.get(span.resource);
    if (!scopes) groups.set(span.resource, (scopes = new Map()));
    const version = span.scope.version ?? '';
    const scopeKey = `${span.scope.name}\u0000${version}`;
    let group = scopes.get(scopeKey);
    if (!group) scopes.set(scopeKey, (group = { scope: { name: span.scope.name, version }, spans: [] }));
    group.spans.push(toWireSpan(span, wire));
  }
  const message = {
    resourceSpans: [...groups].map(([resource, scopes]) => ({
      resource: { attributes: keyValues(resource) },
      scopeSpans: [...scopes.values()],
    })),
  };
  return encoding === 'json' ? JSON.stringify(message) : otlpTraceTypes().ExportTraceServiceRequest.encode(message).finish();
}

/** How ids and timestamps are written: bytes and `{low, high}` for protobuf, strings for JSON. */
interface Wire {
  id(hex: string): Uint8Array | string;
  time(nanos: bigint): unknown;
}
const PROTOBUF_WIRE: Wire = { id: hexToBytes, time: uint64ToLongBits };
const JSON_WIRE: Wire = { id: (hex) => hex.toLowerCase(), time: (nanos) => nanos.toString() };

function toWireSpan(span: ExportSpan, wire: Wire): object {
  const status: { code?: number; message?: string } = {};
  if (span.status.code !== 0) status.code = span.status.code;
  if (span.status.message) status.message = span.status.message;
  return {
    traceId: wire.id(span.traceId),
    spanId: wire.id(span.spanId),
    ...(span.parentSpanId ? { parentSpanId: wire.id(span.parentSpanId) } : {}),
    name: span.name,
    kind: span.kind,
    startTimeUnixNano: wire.time(span.startTimeUnixNano),
    endTimeUnixNano: wire.time(span.endTimeUnixNano),
    attributes: keyValues(span.attributes),
    events: (span.events ?? []).map((event) => ({
      timeUnixNano: wire.time(event.timeUnixNano),
      name: event.name,
      attributes: keyValues(event.attributes),
    })),
    status,
  };
}

function keyValues(attributes: Attributes): Array<{ key: string; value: object }> {
  return Object.keys(attributes).map((key) => ({ key, value: anyValue(attributes[key]) }));
}

/**
 * A JSON value as an `AnyValue`: safe integers as `intValue`, other numbers as `doubleValue`,
 * arrays as `arrayValue`, objects as `kvlistValue`, null as the empty value.
 */
function anyValue(value: AttributeValue): object {
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'number':
      return Number.isSafeInteger(value) ? { intValue: value } : { doubleValue: value };
    default:
      if (value === null) return {};
      if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
      return { kvlistValue: { values: keyValues(value) } };
  }
}
