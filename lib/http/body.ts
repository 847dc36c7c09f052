import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { z } from 'zod';
import { ApiError, type ErrorDetail } from './errors';

/** Default request body limit (1 MB); the trace ingest raises it to 5 MB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * Called with the bytes a body will hold in memory before they are buffered (the declared length
 * first, then the running total as chunks arrive, then the decompressed size); throwing stops the
 * read. The ingest endpoints pass their admission gate's reservation here.
 */
export type ReserveBytes = (totalBytes: number) => void;

/** Reads the body as text, refusing more than `limit` bytes before buffering them all. */
export async function readBodyText(request: Request, limit = DEFAULT_BODY_LIMIT, reserve?: ReserveBytes): Promise<string> {
  return Buffer.from(await readBodyBytes(request, limit, reserve)).toString('utf8');
}

/** Reads the raw body, refusing more than `limit` bytes before buffering them all. */
export async function readBodyBytes(request: Request, limit = DEFAULT_BODY_LIMIT, reserve?: ReserveBytes): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (!request.body) return new Uint8Array(0);
  if (Number.isFinite(declared)) reserve?.(declared);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    if (reserve) {
      try {
        reserve(size);
      } catch (error) {
        await reader.cancel().catch(() => {});
        throw error;
      }
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

const inflate = promisify(zlib.inflate);
const gunzip = promisify(zlib.gunzip);

/**
 * Reads a body sent with `Content-Encoding: gzip`, `deflate` or none. The limit holds for the
 * bytes on the wire and again for the decompressed bytes, which are never produced past it: a
 * zip bomb gets 413, not an out-of-memory.
 */
export async function readDecodedBody(request: Request, limit: number, reserve?: ReserveBytes): Promise<Uint8Array> {
  const encoding = (request.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'deflate') {
    throw new ApiError('unsupported_media_type', `Content-Encoding "${encoding}" is not supported; send gzip, deflate or none.`);
  }
  const raw = await readBodyBytes(request, limit, reserve);
  if (encoding === 'identity') return raw;
  let decoded: Uint8Array;
  try {
    decoded = await (encoding === 'gzip' ? gunzip : inflate)(raw, { maxOutputLength: limit });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) throw tooLarge(limit);
    throw new ApiError('bad_request', `The body is not valid ${encoding} data: ${(error as Error).message}`);
  }
  // Both are held until the compressed one is dropped on return.
  reserve?.(raw.byteLength + decoded.byteLength);
  return decoded;
}

function tooLarge(limit: number): ApiError {
  const size = limit >= 1024 * 1024 ? `${Math.round(limit / (1024 * 1024))} MiB` : `${Math.round(limit / 1024)} KB`;
  return new ApiError('payload_too_large', `The request body is larger than ${size}. Send less data per request.`);
}

/** Parses a JSON body: 415 for another content type, 400 for malformed JSON, 413 when too large. */
export async function readJson(request: Request, limit = DEFAULT_BODY_LIMIT): Promise<unknown> {
  assertJsonContentType(request);
  return parseJsonText(request, await readBodyText(request, limit));
}

function assertJsonContentType(request: Request): void {
  const type = request.headers.get('content-type') ?? '';
  if (type && !/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw new ApiError('unsupported_media_type', `Send the body as application/json (got ${type.split(';')[0]}).`);
  }
}

/** Parses a body already read as text, with the same checks as {@link readJson}. */
export function parseJsonText(request: Request, text: string): unknown {
  assertJsonContentType(request);
  if (text.trim() === '') throw new ApiError('invalid_json', 'The request body is empty; send a JSON object.');
  let value: unknown;
  try {
    // No reviver: JSON.parse alone takes any depth, a reviver recurses once per level.
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiError('invalid_json', `The request body is not valid JSON: ${(error as Error).message}`);
  }
  // A string can hold U+0000 only through the escape (a raw control character is not valid JSON).
  return text.includes('\\u0000') ? withoutNul(value) : value;
}

/**
 * Postgres text cannot hold U+0000, so a NUL inside a string would fail the write. It is replaced
 * with U+FFFD (the replacement character) on the way in: a span whose model output contained a NUL
 * is still stored, visibly marked.
 */
export function stripNul(value: string): string {
  return value.includes('\0') ? value.replaceAll('\0', '\uFFFD') : value;
}

/** `value` with {@link stripNul} applied to every string in it, walked without recursion. */
function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') return stripNul(value);
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const container = pending.pop();
    if (container === null || typeof container !== 'object') continue;
    const record = container as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      // defineProperty, not assignment: a key named "__proto__" is an own property here.
      if (typeof item === 'string') {
        if (item.includes('\0')) Object.defineProperty(record, key, { value: stripNul(item), writable: true, enumerable: true, configurable: true });
      } else if (item !== null && typeof item === 'object') pending.push(item);
    }
  }
  return value;
}

/** zod issues as `details` for a 422. */
export function zodDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.') || '(body)', message: issue.message }));
}

/** Validates `value` against `schema`, throwing a 422 that names every invalid field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what = 'request body'): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const details = zodDetails(result.error);
    throw new ApiError('validation_failed', `The ${what} has invalid fields: ${details.map((d) => d.path).join(', ')}.`, { details });
  }
  return result.data;
}

/** Parses and validates a JSON body in one step. */
export async function parseJsonBody<S extends z.ZodType>(request: Request, schema: S, limit?: number): Promise<z.infer<S>> {
  return validate(schema, await readJson(request, limit));
}

/** Validates URL search params against a schema; a key given more than once arrives as an array. */
export function parseQuery<S extends z.ZodType>(request: Request, schema: S): z.infer<S> {
  const params: Record<string, string | string[]> = {};
  for (const [key, raw] of new URL(request.url).searchParams.entries()) {
    const value = stripNul(raw);
    const seen = params[key];
    // A repeated key (`?tag=a&tag=b`) becomes a list; schemas that take one value answer it with a 422.
    params[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return validate(schema, params, 'query string');
}
