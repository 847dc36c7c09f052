import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { decodeTraceRequest, OtlpDecodeError } from '@/lib/otlp/decode';
import { otlpTraceTypes } from '@/lib/otlp/messages';

type Serializer = { serializeRequest(spans: ReadableSpan[]): Uint8Array | undefined };

/** Two spans recorded by the real OpenTelemetry JS SDK: a server root with a failed client child. */
function sdkSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'deployment.environment': 'test' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('my-instrumentation', '1.2.3');
  const root = tracer.startSpan('POST /chat', { kind: SpanKind.SERVER });
  const child = tracer.startSpan(
    'chat gpt-4o',
    { kind: SpanKind.CLIENT, attributes: { 'gen_ai.usage.input_tokens': 12, temperature: 0.5, stream: false, stop: ['\n', 'END'] } },
    trace.setSpan(ROOT_CONTEXT, root),
  );
  child.addEvent('gen_ai.choice', { index: 0 });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' });
  child.end();
  root.end();
  return exporter.getFinishedSpans();
}

const hrToNanos = ([seconds, nanos]: [number, number]) => BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe.each([
  ['protobuf', ProtobufTraceSerializer],
  ['json', JsonTraceSerializer],
] as const)('decodeTraceRequest(%s) of what the OpenTelemetry JS exporter sends', (encoding, serializer) => {
  it('gives back the spans the SDK recorded: ids, parent, times, attributes, events, status, resource and scope', () => {
    const recorded = sdkSpans();
    const body = (serializer as Serializer).serializeRequest(recorded)!;
    const { spans, invalid, total } = decodeTraceRequest(body, encoding);

    expect(invalid).toEqual([]);
    expect(total).toBe(2);
    const child = spans.find((span) => span.name === 'chat gpt-4o')!;
    const root = spans.find((span) => span.name === 'POST /chat')!;
    const sdkChild = recorded.find((span) => span.name === 'chat gpt-4o')!;
    expect(root.parentSpanId).toBeNull();
    expect(child).toEqual({
      traceId: sdkChild.spanContext().traceId,
      spanId: sdkChild.spanContext().spanId,
      parentSpanId: root.spanId,
      name: 'chat gpt-4o',
      kind: 3,
      startTimeUnixNano: hrToNanos(sdkChild.startTime),
      endTimeUnixNano: hrToNanos(sdkChild.endTime),
      attributes: { 'gen_ai.usage.input_tokens': 12, temperature: 0.5, stream: false, stop: ['\n', 'END'] },
      events: [{ name: 'gen_ai.choice', timeUnixNano: hrToNanos(sdkChild.events[0].time), attributes: { index: 0 } }],
      status: { code: 2, message: 'rate limited' },
      resource: expect.objectContaining({ 'service.name': 'checkout', 'deployment.environment': 'test' }),
      scope: { name: 'my-instrumentation', version: '1.2.3' },
    });
    expect(root.traceId).toBe(child.traceId);
    expect(root.kind).toBe(2);
  });
});

describe('decodeTraceRequest(protobuf) attribute values', () => {
  const { ExportTraceServiceRequest } = otlpTraceTypes();
  const encode = (attributes: object[], span: object = {}) =>
    ExportTraceServiceRequest.encode({
      resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: new Uint8Array(16).fill(0xab), spanId: new Uint8Array(8).fill(1), name: 's', attributes, ...span }] }] }],
    }).finish();

  it('turns int64 beyond 2^53 into a decimal string, keeps negatives, bytes as base64, kvlist as an object and empty as null', () => {
    const body = encode([
      { key: 'huge', value: { intValue: { low: 1, high: 0x10000000 } } },
      { key: 'negative', value: { intValue: -42 } },
      { key: 'bytes', value: { bytesValue: new Uint8Array([0xde, 0xad, 0xbe, 0xef]) } },
      { key: 'nested', value: { kvlistValue: { values: [{ key: 'a', value: { arrayValue: { values: [{ boolValue: true }, {}] } } }] } } },
      { key: 'empty', value: {} },
      { key: 'blank', value: { stringValue: '' } },
      { key: '__proto__', value: { stringValue: 'not a prototype' } },
    ]);
    const [span] = decodeTraceRequest(body, 'protobuf').spans;
    expect(span.attributes).toEqual({
      huge: ((1n << 60n) + 1n).toString(),
      negative: -42,
      bytes: '3q2+7w==',
      nested: { a: [true, null] },
      empty: null,
      blank: '',
      ['__proto__']: 'not a prototype',
    });
    expect(Object.getPrototypeOf(span.attributes)).toBe(Object.prototype);
  });

  it('keeps nanosecond timestamps exact and treats an absent end time as not ended', () => {
    const body = encode([], { startTimeUnixNano: { low: 0x12345679, high: 0x18e5f2a3 } });
    const [span] = decodeTraceRequest(body, 'protobuf').spans;
    expect(span.startTimeUnixNano).toBe((0x18e5f2a3n << 32n) | 0x12345679n);
    expect(span.endTimeUnixNano).toBeNull();
    expect(span.status).toEqual({ code: 0, message: '' });
  });

  it('throws OtlpDecodeError for bytes that are not an ExportTraceServiceRequest', () => {
    expect(() => decodeTraceRequest(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), 'protobuf')).toThrow(OtlpDecodeError);
    expect(() => decodeTraceRequest(new TextEncoder().encode('{"resourceSpans":[]}'), 'protobuf')).toThrow(OtlpDecodeError);
  });
});

const TRACE_ID = '5B8EFFF798038103D269B633813FC60C';
const SPAN_ID = 'EEE19B7EC3C1B174';

describe('decodeTraceRequest(json) of hand-written OTLP/JSON', () => {
  it('lowercases ids, reads int64 as strings or numbers, and makes kvlist, array and bytes values JSON values', () => {
    const body = json({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'py-agent' } }], futureField: 1 },
          scopeSpans: [
            {
              scope: { name: 'openinference', version: '0.1' },
              spans: [
                {
                  traceId: TRACE_ID,
                  spanId: SPAN_ID,
                  parentSpanId: '',
                  name: 'agent',
                  kind: 1,
                  startTimeUnixNano: '1544712660000000001',
                  endTimeUnixNano: 1544712661000000000,
                  attributes: [
                    { key: 'count', value: { intValue: '7' } },
                    { key: 'count_number', value: { intValue: 8 } },
                    { key: 'too_big', value: { intValue: '9223372036854775807' } },
                    { key: 'doc', value: { kvlistValue: { values: [{ key: 'id', value: { intValue: '3' } }, { key: 'score', value: { doubleValue: 0.25 } }] } } },
                    { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } } },
                    { key: 'blob', value: { bytesValue: 'AQID' } },
                    { key: 'nan', value: { doubleValue: 'NaN' } },
                    { key: 'missing' },
                  ],
                  events: [{ timeUnixNano: '1544712660500000000', name: 'exception', attributes: [{ key: 'exception.message', value: { stringValue: 'boom' } }] }],
                  status: { code: 2, message: 'failed' },
                  droppedAttributesCount: 0,
                  somethingNew: { nested: true },
                },
              ],
            },
          ],
        },
      ],
    });
    const { spans, invalid, total } = decodeTraceRequest(body, 'json');
    expect(invalid).toEqual([]);
    expect(total).toBe(1);
    expect(spans[0]).toEqual({
      traceId: TRACE_ID.toLowerCase(),
      spanId: SPAN_ID.toLowerCase(),
      parentSpanId: null,
      name: 'agent',
      kind: 1,
      startTimeUnixNano: 1544712660000000001n,
      endTimeUnixNano: 1544712661000000000n,
      attributes: {
        count: 7,
        count_number: 8,
        too_big: '9223372036854775807',
        doc: { id: 3, score: 0.25 },
        tags: ['a', 'b'],
        blob: 'AQID',
        nan: 'NaN',
        missing: null,
      },
      events: [{ name: 'exception', timeUnixNano: 1544712660500000000n, attributes: { 'exception.message': 'boom' } }],
      status: { code: 2, message: 'failed' },
      resource: { 'service.name': 'py-agent' },
      scope: { name: 'openinference', version: '0.1' },
    });
  });

  it('accepts snake_case keys, enum names, base64 ids and the legacy instrumentationLibrarySpans', () => {
    const body = json({
      resource_spans: [
        {
          instrumentationLibrarySpans: [
            {
              instrumentationLibrary: { name: 'old-lib' },
              spans: [
                {
                  trace_id: Buffer.from(TRACE_ID, 'hex').toString('base64'),
                  span_id: SPAN_ID,
                  parent_span_id: 'AAAAAAAAAAE=',
                  kind: 'SPAN_KIND_CLIENT',
                  start_time_unix_nano: '1',
                  attributes: [{ key: 'flag', value: { bool_value: true } }],
                  status: { code: 'STATUS_CODE_ERROR' },
                },
              ],
            },
          ],
        },
      ],
    });
    const [span] = decodeTraceRequest(body, 'json').spans;
    expect(span).toMatchObject({
      traceId: TRACE_ID.toLowerCase(),
      parentSpanId: '0000000000000001',
      kind: 3,
      startTimeUnixNano: 1n,
      attributes: { flag: true },
      status: { code: 2, message: '' },
      scope: { name: 'old-lib', version: '' },
    });
  });

  it('reports a malformed span by its index across scopes and keeps the others', () => {
    const good = (spanId: string) => ({ traceId: TRACE_ID, spanId, name: 'ok', startTimeUnixNano: '1' });
    const deep = { arrayValue: { values: [] as object[] } };
    let cursor = deep;
    for (let i = 0; i < 100; i++) {
      const next = { arrayValue: { values: [] as object[] } };
      cursor.arrayValue.values.push(next);
      cursor = next;
    }
    const body = json({
      resourceSpans: [
        { scopeSpans: [{ spans: [good('0000000000000001'), 'not a span'] }] },
        {
          scopeSpans: [
            { spans: [{ ...good('0000000000000002'), traceId: 'not-hex-at-all' }] },
            { spans: [good('0000000000000003'), { ...good('0000000000000004'), attributes: [{ key: 'd', value: deep }] }] },
            { spans: [{ ...good('0000000000000005'), startTimeUnixNano: '-5' }, { ...good('0000000000000006'), attributes: [{ key: 'n', value: { intValue: 'x' } }] }] },
          ],
        },
      ],
    });
    const { spans, invalid, total } = decodeTraceRequest(body, 'json');
    expect(total).toBe(7);
    expect(spans.map((span) => span.spanId)).toEqual(['0000000000000001', '0000000000000003']);
    expect(invalid.map((bad) => bad.index)).toEqual([1, 2, 4, 5, 6]);
    expect(invalid[0].message).toMatch(/not an object/);
    expect(invalid[1].message).toMatch(/traceId is not hex/);
    expect(invalid[2].message).toMatch(/nested deeper/);
    expect(invalid[3].message).toMatch(/startTimeUnixNano/);
    expect(invalid[4].message).toMatch(/intValue/);
  });

  it.each([
    ['malformed JSON', '{"resourceSpans": [', /not valid JSON/],
    ['a JSON array', '[]', /not a JSON object/],
    ['resourceSpans that is not an array', '{"resourceSpans": {}}', /resourceSpans is not an array/],
    ['a resource entry that is not an object', '{"resourceSpans": [1]}', /resourceSpans\[0\] is not an object/],
  ])('throws OtlpDecodeError for %s', (_, text, message) => {
    expect(() => decodeTraceRequest(new TextEncoder().encode(text), 'json')).toThrow(OtlpDecodeError);
    expect(() => decodeTraceRequest(new TextEncoder().encode(text), 'json')).toThrow(message);
  });

  it('takes an empty request as zero spans', () => {
    expect(decodeTraceRequest(json({}), 'json')).toEqual({ spans: [], invalid: [], total: 0 });
    expect(decodeTraceRequest(new Uint8Array(0), 'protobuf')).toEqual({ spans: [], invalid: [], total: 0 });
  });
});
