'use client';

import { CSRF_COOKIE, CSRF_HEADER, readCookie } from '@/lib/auth/cookies';

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The fields a 422 names, each with its reason. */
    readonly details: ReadonlyArray<{ path: string; message: string }> = [],
  ) {
    super(message);
  }
}

/** fetch() for the dashboard's own API: same-origin cookies, the CSRF header on writes, JSON errors thrown. */
export async function apiFetch<T = unknown>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const headers = new Headers(init.headers);
  const method = (init.method ?? (init.json !== undefined ? 'POST' : 'GET')).toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = readCookie(document.cookie, CSRF_COOKIE);
    if (csrf) headers.set(CSRF_HEADER, csrf);
  }
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const response = await fetch(path, { ...init, method, headers, body, credentials: 'same-origin' });
  if (response.status === 204) return undefined as T;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (data as { error?: { code?: string; message?: string; details?: Array<{ path: string; message: string }> } } | null)?.error;
    throw new ApiRequestError(response.status, error?.code ?? 'error', error?.message ?? `Request failed with status ${response.status}.`, error?.details ?? []);
  }
  return data as T;
}
