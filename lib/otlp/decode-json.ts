/**
 * OTLP/JSON decoding ("JSON Protobuf Encoding" of the OTLP specification): the proto3 JSON
 * mapping with hex trace and span ids and integer enums.
 *
 * Accepted beyond the letter of the spec, because senders produce them: snake_case field names
 * (proto3 JSON parsers accept both), enum names (`SPAN_KIND_CLIENT`), int64 as number or string,
 * base64 ids of the right length (the plain proto3 mapping of `bytes`), and the pre-1.0
 * `instrumentationLibrarySpans` / `instrumentationLibrary` keys. Unknown fields are ignored.
 *
 * A malformed envelope (not an object, `resourceSpans` not an array, a resource or scope entry
 * that is not an object) throws {@link OtlpDecodeError}; a malformed span is reported alone.
 */
import type { DecodedTraceRequest, InvalidSpan } from './decode';
import type { Attributes, AttributeValue, OtlpEvent, OtlpSpan, OtlpStatusCode } from './types';
import { base64ToBytes, bytesToHex, int64ToAttribute, isHex, OtlpDecodeError, setAttribute } from './wire';

type JsonObject = Record<string, unknown>;

/** A problem with one span; every error thrown while reading a span is reported as {@link InvalidSpan}. */
class SpanError extends Error {}

/** Deeper `AnyValue` nesting is refused, so a hostile body cannot exhaust the stack. */
const MAX_VALUE_DEPTH = 32;

const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

const utf8 = new TextDecoder();

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An optional repeated field: absent or null is empty, anything else must be an array. */
function list(value: unknown, path: string, fail: (message: string) => Error): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw fail(`${path} is not an array`);
  return value;
}

const envelopeError = (message: string) => new OtlpDecodeError(message);
const spanError = (message: string) => new SpanError(message);

export function decodeJsonRequest(body: Uint8Array): DecodedTraceRequest {
  let root: unknown;
  try {
    root = JSON.parse(utf8.decode(body));
  } catch (error) {
    throw new OtlpDecodeError(`body is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!isObject(root)) throw new OtlpDecodeError('body is not a JSON object');

  const spans: OtlpSpan[] = [];
  const invalid: InvalidSpan[] = [];
  let index = 0;
  const resourceSpansList = list(root.resourceSpans ?? root.resource_spans, 'resourceSpans', envelopeError);
  resourceSpansList.forEach((resourceSpans, r) => {
    if (!isObject(resourceSpans)) throw new OtlpDecodeError(`resourceSpans[${r}] is not an object`);
    const resourcePath = `resourceSpans[${r}].resource`;
    const resourceObject = resourceSpans.resource;
    let resource: Attributes;
    try {
      resource = isObject(resourceObject) ? keyValues(resourceObject.attributes, 0) : {};
    } catch (error) {
      throw new OtlpDecodeError(`${resourcePath}: ${(error as Error).message}`);
    }
    const scopeSpansList = list(
      resourceSpans.scopeSpans ??
        resourceSpans.scope_spans ??
        resourceSpans.instrumentationLibrarySpans ??
        resourceSpans.instrumentation_library_spans,
      `resourceSpans[${r}].scopeSpans`,
      envelopeError,
    );
    scopeSpansList.forEach((scopeSpans, s) => {
      if (!isObject(scopeSpans)) throw new OtlpDecodeError(`resourceSpans[${r}].scopeSpans[${s}] is not an object`);
      const scopeObject = scopeSpans.scope ?? scopeSpans.instrumentationLibrary ?? scopeSpans.instrumentation_library;
      const scope = {
        name: isObject(scopeObject) ? optionalString(scopeObject.name) : '',
        version: isObject(scopeObject) ? optionalString(scopeObject.version) : '',
      };
      for (const span of list(scopeSpans.spans, `resourceSpans[${r}].scopeSpans[${s}].spans`, envelopeError)) {
        try {
          spans.push(toSpan(span, resource, scope));
        } catch (error) {
          invalid.push({ index, message: error instanceof Error ? error.message : String(error) });
        }
        index++;
      }
    });
  });
  return { spans, invalid, total: index };
}

function toSpan(span: unknown, resource: Attributes, scope: OtlpSpan['scope']): OtlpSpan {
  if (!isObject(span)) throw new SpanError('span is not an object');
  const status = span.status;
  const end = nanos(span.endTimeUnixNano ?? span.end_time_unix_nano, 'endTimeUnixNano');
  const events: OtlpEvent[] = [];
  for (const event of list(span.events, 'events', spanError)) {
    if (!isObject(event)) throw new SpanError('an event is not an object');
    events.push({
      name: optionalString(event.name),
      timeUnixNano: nanos(event.timeUnixNano ?? event.time_unix_nano, 'event timeUnixNano'),
      attributes: keyValues(event.attributes, 0),
    });
  }
  const parentSpanId = id(span.parentSpanId ?? span.parent_span_id, 'parentSpanId', 8);
  return {
    traceId: id(span.traceId ?? span.trace_id, 'traceId', 16),
    spanId: id(span.spanId ?? span.span_id, 'spanId', 8),
    parentSpanId: parentSpanId === '' ? null : parentSpanId,
    name: optionalString(span.name),
    kind: enumValue(span.kind, SPAN_KINDS, 5),
    startTimeUnixNano: nanos(span.startTimeUnixNano ?? span.start_time_unix_nano, 'startTimeUnixNano'),
    endTimeUnixNano: end === 0n ? null : end,
    attributes: keyValues(span.attributes, 0),
    events,
    status: isObject(status)
      ? { code: enumValue(status.code, STATUS_CODES, 2) as OtlpStatusCode, message: optionalString(status.message) }
      : { code: 0, message: '' },
    resource,
    scope,
  };
}

function optionalString(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Hex id, lowercased; `''` when absent. Base64 is accepted only when it decodes to `bytes` bytes. */
function id(value: unknown, field: string, bytes: number): string {
  if (value === undefined || value === null || value === '') return '';
  if (typeof value !== 'string') throw new SpanError(`${field} is not a string`);
  if (isHex(value)) return value.toLowerCase();
  const decoded = value.length === Math.ceil(bytes / 3) * 4 ? base64ToBytes(value) : null;
  if (decoded && decoded.length === bytes) return bytesToHex(decoded);
  throw new SpanError(`${field} is not hex: ${JSON.stringify(value.slice(0, 40))}`);
}

/** Unsigned 64-bit nanoseconds from a JSON number or decimal string; absent is 0n. */
function nanos(value: unknown, field: string): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && isDecimal(value, false) && value.length <= 20) {
    const parsed = BigInt(value);
    if (parsed < 1n << 64n) return parsed;
  }
  throw new SpanError(`${field} is not an unsigned 64-bit integer`);
}

function isDecimal(value: string, signed: boolean): boolean {
  if (value.length === 0) return false;
  for (let i = signed && value.charCodeAt(0) === 0x2d ? 1 : 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return value !== '-';
}

/** An enum as its number or its name; unknown values are 0 (unset), like an absent field. */
function enumValue(value: unknown, names: Record<string, number>, max: number): number {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= max ? value : 0;
  return typeof value === 'string' && Object.hasOwn(names, value) ? names[value] : 0;
}

function keyValues(value: unknown, depth: number): Attributes {
  const attributes: Attributes = {};
  for (const kv of list(value, 'attributes', spanError)) {
    if (!isObject(kv) || typeof kv.key !== 'string') throw new SpanError('an attribute has no string key');
    setAttribute(attributes, kv.key, anyValue(kv.value, depth));
  }
  return attributes;
}

function anyValue(value: unknown, depth: number): AttributeValue {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) throw new SpanError('an attribute value is not an AnyValue object');
  if (depth >= MAX_VALUE_DEPTH) throw new SpanError(`attribute values nested deeper than ${MAX_VALUE_DEPTH}`);
  let member = value.stringValue ?? value.string_value;
  if (member !== undefined && member !== null) {
    if (typeof member !== 'string') throw new SpanError('stringValue is not a string');
    return member;
  }
  if ((member = value.intValue ?? value.int_value) !== undefined && member !== null) return intValue(member);
  if ((member = value.boolValue ?? value.bool_value) !== undefined && member !== null) {
    if (typeof member !== 'boolean') throw new SpanError('boolValue is not a boolean');
    return member;
  }
  if ((member = value.doubleValue ?? value.double_value) !== undefined && member !== null) return doubleValue(member);
  if ((member = value.arrayValue ?? value.array_value) !== undefined && member !== null) {
    if (!isObject(member)) throw new SpanError('arrayValue is not an object');
    return list(member.values, 'arrayValue.values', spanError).map((item) => anyValue(item, depth + 1));
  }
  if ((member = value.kvlistValue ?? value.kvlist_value) !== undefined && member !== null) {
    if (!isObject(member)) throw new SpanError('kvlistValue is not an object');
    return keyValues(member.values, depth + 1);
  }
  if ((member = value.bytesValue ?? value.bytes_value) !== undefined && member !== null) {
    if (typeof member !== 'string') throw new SpanError('bytesValue is not a base64 string');
    return member;
  }
  return null;
}

function intValue(value: unknown): AttributeValue {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && isDecimal(value, true) && value.length <= 20) {
    const parsed = BigInt(value);
    if (parsed === BigInt.asIntN(64, parsed)) return int64ToAttribute(parsed);
  }
  throw new SpanError('intValue is not a 64-bit integer');
}

/** A double; proto3 JSON writes the non-finite ones as strings, which are kept as such. */
function doubleValue(value: unknown): AttributeValue {
  if (typeof value === 'number') return value;
  if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  throw new SpanError('doubleValue is not a number');
}
