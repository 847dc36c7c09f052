import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { decodeTraceRequest, decodeTraceResponse } from '@/lib/otlp/decode';
import { encodeTraceRequest, encodeTraceResponse, type ExportSpan } from '@/lib/otlp/encode';

describe('encodeTraceResponse', () => {
  it('answers a fully accepted protobuf export with an empty ExportTraceServiceResponse', () => {
    const { body, contentType } = encodeTraceResponse('protobuf');
    expect(contentType).toBe('application/x-protobuf');
    expect(body).toBeInstanceOf(Uint8Array);
    expect((body as Uint8Array).length).toBe(0);
    expect(ProtobufTraceSerializer.deserializeResponse(body as Uint8Array).partialSuccess).toBeUndefined();
  });

  it('tells a protobuf exporter how many spans were refused, readable by the OpenTelemetry JS exporter', () => {
    const { body } = encodeTraceResponse('protobuf', { rejectedSpans: 3, errorMessage: 'span 2: traceId is not hex' });
    const answer = ProtobufTraceSerializer.deserializeResponse(body as Uint8Array);
    expect(Number(answer.partialSuccess?.rejectedSpans)).toBe(3);
    expect(answer.partialSuccess?.errorMessage).toBe('span 2: traceId is not hex');
    expect(decodeTraceResponse(body as Uint8Array, 'protobuf')).toEqual({ rejectedSpans: 3, errorMessage: 'span 2: traceId is not hex' });
  });

  it('answers JSON with {} on success and partialSuccess with rejectedSpans as an int64 string otherwise', () => {
    const ok = encodeTraceResponse('json');
    expect(ok.contentType).toBe('application/json');
    expect(JSON.parse(ok.body as string)).toEqual({});
    expect(encodeTraceResponse('json', { rejectedSpans: 0, errorMessage: '' }).body).toBe('{}');

    const partial = encodeTraceResponse('json', { rejectedSpans: 2, errorMessage: 'two bad spans' });
    expect(JSON.parse(partial.body as string)).toEqual({ partialSuccess: { rejectedSpans: '2', errorMessage: 'two bad spans' } });
    expect(decodeTraceResponse(new TextEncoder().encode(partial.body as string), 'json')).toEqual({ rejectedSpans: 2, errorMessage: 'two bad spans' });
  });
});

describe('encodeTraceRequest', () => {
  const api = { 'service.name': 'api', 'host.name': 'web-1' };
  const worker = { 'service.name': 'worker' };
  const span = (spanId: string, resource: ExportSpan['resource'], scope: string, extra: Partial<ExportSpan> = {}): ExportSpan => ({
    resource,
    scope: { name: scope, version: '1.0' },
    traceId: '0AF7651916CD43DD8448EB211C80319C',
    spanId,
    parentSpanId: null,
    name: `span ${spanId}`,
    kind: 1,
    startTimeUnixNano: 1_700_000_000_123_456_789n,
    endTimeUnixNano: 1_700_000_001_987_654_321n,
    attributes: {},
    status: { code: 0 },
    ...extra,
  });
  const spans = [
    span('00000000000000a1', api, 'http', {
      attributes: { s: 'x', n: 42, big: -7, d: 0.5, b: false, list: ['a', 1], map: { k: { deep: true } }, none: null },
      status: { code: 2, message: 'boom' },
      events: [{ name: 'exception', timeUnixNano: 1_700_000_001_000_000_001n, attributes: { 'exception.message': 'boom' } }],
    }),
    span('00000000000000a2', worker, 'jobs', { parentSpanId: '00000000000000a1', kind: 3 }),
    span('00000000000000a3', api, 'http'),
    span('00000000000000a4', api, 'db'),
  ];

  it.each(['protobuf', 'json'] as const)('round-trips spans through the %s decoder with exact nanoseconds and JSON attribute values', (encoding) => {
    const body = encodeTraceRequest(spans, encoding);
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    const decoded = decodeTraceRequest(bytes, encoding);
    expect(decoded.invalid).toEqual([]);
    const byId = new Map(decoded.spans.map((item) => [item.spanId, item]));
    expect(byId.get('00000000000000a1')).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: '00000000000000a1',
      parentSpanId: null,
      name: 'span 00000000000000a1',
      kind: 1,
      startTimeUnixNano: 1_700_000_000_123_456_789n,
      endTimeUnixNano: 1_700_000_001_987_654_321n,
      attributes: { s: 'x', n: 42, big: -7, d: 0.5, b: false, list: ['a', 1], map: { k: { deep: true } }, none: null },
      events: [{ name: 'exception', timeUnixNano: 1_700_000_001_000_000_001n, attributes: { 'exception.message': 'boom' } }],
      status: { code: 2, message: 'boom' },
      resource: api,
      scope: { name: 'http', version: '1.0' },
    });
    expect(byId.get('00000000000000a2')).toMatchObject({ parentSpanId: '00000000000000a1', kind: 3, resource: worker, scope: { name: 'jobs' } });
  });

  it('groups spans by resource, then by scope, in order of first appearance', () => {
    const message = JSON.parse(encodeTraceRequest(spans, 'json')) as {
      resourceSpans: Array<{ resource: { attributes: Array<{ key: string }> }; scopeSpans: Array<{ scope: { name: string }; spans: Array<{ spanId: string }> }> }>;
    };
    const shape = message.resourceSpans.map((entry) => ({
      keys: entry.resource.attributes.map((attribute) => attribute.key),
      scopes: entry.scopeSpans.map((scope) => [scope.scope.name, scope.spans.map((item) => item.spanId)]),
    }));
    expect(shape).toEqual([
      { keys: ['service.name', 'host.name'], scopes: [['http', ['00000000000000a1', '00000000000000a3']], ['db', ['00000000000000a4']]] },
      { keys: ['service.name'], scopes: [['jobs', ['00000000000000a2']]] },
    ]);
  });
});
