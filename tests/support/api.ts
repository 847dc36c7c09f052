import { createUserAccount } from '@/lib/auth/accounts';
import type { Database } from '@/lib/db/client';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (request: Request, args?: any) => Promise<Response>;

export interface CallOptions {
  method?: string;
  /** Path and query, e.g. `/api/analytics/traces?status=failed`. */
  path?: string;
  body?: unknown;
  /** Raw body (sent as-is instead of JSON). */
  rawBody?: string | Uint8Array;
  apiKey?: string;
  headers?: Record<string, string>;
  params?: Record<string, string>;
}

/** Calls a route handler in-process, the way Next.js would: a Request in, a Response out. */
export async function call(handler: Handler, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  if (options.apiKey) headers.set('authorization', `Bearer ${options.apiKey}`);
  let body: BodyInit | undefined;
  if (options.rawBody !== undefined) body = options.rawBody as BodyInit;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  const request = new Request(`http://127.0.0.1:3000${options.path ?? '/'}`, { method: options.method ?? (body ? 'POST' : 'GET'), headers, body });
  return handler(request, { params: Promise.resolve(options.params ?? {}) });
}

let counter = 0;

export async function createTestUser(database: Database, prefix = 'user') {
  const email = `${prefix}${++counter}.${Date.now()}@example.test`;
  const password = 'correct horse battery staple';
  const { user, apiKey } = await createUserAccount(database, { email, password });
  return { userId: user.id, email, password, apiKey };
}
