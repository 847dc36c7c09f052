import { describe, expect, it } from 'vitest';
import { readOtlpExportConfig } from '@/lib/otlp/export';

describe('readOtlpExportConfig', () => {
  it('is off (null) when no endpoint is set', () => {
    expect(readOtlpExportConfig({})).toBeNull();
    expect(readOtlpExportConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ', OTEL_EXPORTER_OTLP_HEADERS: 'a=b' })).toBeNull();
  });

  it('appends /v1/traces to the generic endpoint, with or without a trailing slash, and applies the defaults', () => {
    expect(readOtlpExportConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({
      url: 'http://collector:4318/v1/traces',
      headers: {},
      encoding: 'protobuf',
      timeoutMs: 10_000,
      serviceName: 'llmtrace',
    });
    expect(readOtlpExportConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example.com/otlp' })?.url).toBe(
      'https://otlp.example.com/otlp/v1/traces',
    );
  });

  it('uses the traces endpoint as is, and the _TRACES_ variables win over the generic ones', () => {
    const config = readOtlpExportConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://generic:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:9999/custom/path',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TIMEOUT: '5000',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2500',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-generic=1',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-traces=2',
      OTEL_SERVICE_NAME: 'chat-api',
    });
    expect(config).toEqual({
      url: 'http://traces:9999/custom/path',
      headers: { 'x-traces': '2' },
      encoding: 'json',
      timeoutMs: 2500,
      serviceName: 'chat-api',
    });
  });

  it('splits headers on commas and percent-decodes their values', () => {
    const config = readOtlpExportConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Basic%20dXNlcjpwYXNz, api-key = k=with=equals ,broken,=novalue,bad=%E0%A4%A',
    });
    expect(config?.headers).toEqual({ authorization: 'Basic dXNlcjpwYXNz', 'api-key': 'k=with=equals', bad: '%E0%A4%A' });
  });

  it('falls back to the default timeout for a value that is not a positive number', () => {
    expect(readOtlpExportConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TIMEOUT: 'soon' })?.timeoutMs).toBe(10_000);
    expect(readOtlpExportConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TIMEOUT: '0' })?.timeoutMs).toBe(10_000);
  });

  it.each([
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /gRPC is not supported/],
    [{ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/thrift' }, /unknown OTLP protocol "http\/thrift"/],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'collector:4318' }, /not an http\(s\) URL/],
  ])('explains a configuration it cannot use in `error` (%o)', (env, message) => {
    const config = readOtlpExportConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', ...env });
    expect(config?.error).toMatch(message);
  });
});
