import type { z } from 'zod';
import { ApiError, type ErrorDetail } from './errors';

/** Default request body limit (1 MB); the trace ingest raises it to 5 MB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Reads the body as text, refusing more than `limit` bytes before buffering them all. */
export async function readBodyText(request: Request, limit = DEFAULT_BODY_LIMIT): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (!request.body) return '';
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
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(limit: number): ApiError {
  return new ApiError('payload_too_large', `The request body is larger than ${Math.round(limit / 1024)} KB. Send less data per request.`);
}

/** Parses a JSON body: 415 for another content type, 400 for malformed JSON, 413 when too large. */
export async function readJson(request: Request, limit = DEFAULT_BODY_LIMIT): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  if (type && !/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw new ApiError('unsupported_media_type', `Send the body as application/json (got ${type.split(';')[0]}).`);
  }
  const text = await readBodyText(request, limit);
  if (text.trim() === '') throw new ApiError('invalid_json', 'The request body is empty; send a JSON object.');
  try {
    return JSON.parse(text, withoutNul);
  } catch (error) {
    throw new ApiError('invalid_json', `The request body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Postgres text cannot hold U+0000, so a NUL inside a string would fail the write. It is replaced
 * with U+FFFD (the replacement character) on the way in: a span whose model output contained a NUL
 * is still stored, visibly marked.
 */
export function stripNul(value: string): string {
  return value.includes('\0') ? value.replaceAll('\0', '\uFFFD') : value;
}

function withoutNul(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? stripNul(value) : value;
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

/** Validates URL search params (single values) against a schema. */
export function parseQuery<S extends z.ZodType>(request: Request, schema: S): z.infer<S> {
  const params = Object.fromEntries([...new URL(request.url).searchParams.entries()].map(([key, value]) => [key, stripNul(value)]));
  return validate(schema, params, 'query string');
}
