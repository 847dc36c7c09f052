/**
 * Configuration of the outbound OTLP exporter, from the standard OpenTelemetry variables (a
 * `_TRACES_` variable wins over its generic form).
 *
 * | variable                                                            | field        | default                   |
 * |---------------------------------------------------------------------|--------------|---------------------------|
 * | `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is)                   | `url`        | none: export is off       |
 * | `OTEL_EXPORTER_OTLP_ENDPOINT` (+ `/v1/traces`)                      | `url`        | none: export is off       |
 * | `OTEL_EXPORTER_OTLP_TRACES_HEADERS` / `OTEL_EXPORTER_OTLP_HEADERS`  | `headers`    | none                      |
 * | `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` / `OTEL_EXPORTER_OTLP_PROTOCOL`| `encoding`   | `http/protobuf`           |
 * | `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT` / `OTEL_EXPORTER_OTLP_TIMEOUT`  | `timeoutMs`  | 10000                     |
 * | `OTEL_SERVICE_NAME`                                                 | `serviceName`| `llmtrace`                |
 *
 * Headers are `key=value` pairs separated by commas, values percent-decoded
 * (`api-key=abc,x-tenant=a%20b`). Protocols: `http/protobuf` and `http/json`; `grpc` is not
 * supported.
 */
import type { OtlpEncoding } from './decode';

export interface OtlpExportConfig {
  url: string;
  headers: Record<string, string>;
  encoding: OtlpEncoding;
  timeoutMs: number;
  serviceName: string;
  /**
   * Why this configuration cannot be used (e.g. `grpc`, a malformed URL). The server should warn
   * once and export nothing.
   */
  error?: string;
}

type Env = Record<string, string | undefined>;

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The exporter configuration, or null when no endpoint is set (export off). Pure: reads only `env`.
 *
 * @example
 * readOtlpExportConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' });
 * // { url: 'http://collector:4318/v1/traces', headers: {}, encoding: 'protobuf', timeoutMs: 10000, serviceName: 'llmtrace' }
 */
export function readOtlpExportConfig(env: Env): OtlpExportConfig | null {
  const tracesEndpoint = read(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const url = tracesEndpoint ?? (endpoint === undefined ? undefined : `${endpoint.replace(/\/+$/, '')}/v1/traces`);
  if (url === undefined) return null;

  const protocol = readSignal(env, 'PROTOCOL') ?? 'http/protobuf';
  const config: OtlpExportConfig = {
    url,
    headers: parseHeaders(readSignal(env, 'HEADERS') ?? ''),
    encoding: protocol === 'http/json' ? 'json' : 'protobuf',
    timeoutMs: parseTimeout(readSignal(env, 'TIMEOUT')),
    serviceName: read(env, 'OTEL_SERVICE_NAME') ?? 'llmtrace',
  };
  if (protocol === 'grpc') {
    config.error = 'OTLP over gRPC is not supported; set OTEL_EXPORTER_OTLP_PROTOCOL to http/protobuf or http/json';
  } else if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    config.error = `unknown OTLP protocol "${protocol}"; use http/protobuf or http/json`;
  } else if (!isHttpUrl(url)) {
    config.error = `the OTLP traces endpoint "${url}" is not an http(s) URL`;
  }
  return config;
}

/** A set, non-blank variable, trimmed. */
function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function readSignal(env: Env, suffix: string): string | undefined {
  return read(env, `OTEL_EXPORTER_OTLP_TRACES_${suffix}`) ?? read(env, `OTEL_EXPORTER_OTLP_${suffix}`);
}

/** `k=v,k2=v2`; entries without `=` or with an empty key are skipped, a bad escape kept as written. */
function parseHeaders(value: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const entry of value.split(',')) {
    const separator = entry.indexOf('=');
    if (separator <= 0) continue;
    const key = entry.slice(0, separator).trim();
    const raw = entry.slice(separator + 1).trim();
    if (!key) continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      decoded = raw;
    }
    headers[key.toLowerCase()] = decoded;
  }
  return headers;
}

function parseTimeout(value: string | undefined): number {
  const ms = Number(value);
  return value !== undefined && Number.isFinite(ms) && ms > 0 ? Math.trunc(ms) : DEFAULT_TIMEOUT_MS;
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
