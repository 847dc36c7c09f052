import 'server-only';
import { principalFromApiKey, principalFromSession, type Principal } from '@/lib/auth/accounts';
import { CSRF_HEADER, SESSION_COOKIE, readCookie } from '@/lib/auth/cookies';
import { getAppContext, type AppContext } from '@/lib/server/context';
import { ApiError, errorToResponse } from './errors';

export interface RouteContext<P> extends AppContext {
  request: Request;
  principal: Principal;
  params: P;
}

export interface RouteOptions {
  /** Chat-scope keys may call this route (only `/api/chat`). Default false. */
  allowChatScope?: boolean;
}

type NextRouteArgs<P> = { params: Promise<P> };

/**
 * Wraps a route handler: authenticates (API key or session cookie), enforces key scope and CSRF
 * for cookie-authenticated writes, and turns thrown errors into JSON error responses.
 *
 * @example
 * export const GET = authenticated(async ({ principal, database }) => Response.json(await listThings(database, principal.userId)));
 */
export function authenticated<P = Record<string, never>>(
  handler: (context: RouteContext<P>) => Promise<Response>,
  options: RouteOptions = {},
) {
  return async (request: Request, args?: NextRouteArgs<P>): Promise<Response> => {
    try {
      const context = await getAppContext();
      const principal = await authenticate(request, context);
      if (principal.scope === 'chat' && !options.allowChatScope) {
        throw new ApiError('forbidden', 'This API key has the "chat" scope and may only call /api/chat. Use a full-scope key.');
      }
      if (principal.via === 'session' && isWrite(request)) checkCsrf(request, principal);
      const params = ((await args?.params) ?? {}) as P;
      return await handler({ ...context, request, principal, params });
    } catch (error) {
      return errorToResponse(error, `${request.method} ${new URL(request.url).pathname}`);
    }
  };
}

/** A route without authentication (health, login). Errors still become JSON responses. */
export function unauthenticated(handler: (context: AppContext & { request: Request }) => Promise<Response>) {
  return async (request: Request): Promise<Response> => {
    try {
      return await handler({ ...(await getAppContext()), request });
    } catch (error) {
      return errorToResponse(error, `${request.method} ${new URL(request.url).pathname}`);
    }
  };
}

async function authenticate(request: Request, context: AppContext): Promise<Principal> {
  const authorization = request.headers.get('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    const principal = match ? await principalFromApiKey(context.database, match[1]) : null;
    if (!principal) throw new ApiError('unauthorized', 'The API key is invalid or revoked. Send `Authorization: Bearer lt_…` with a live key.');
    return principal;
  }
  const token = readCookie(request.headers.get('cookie'), SESSION_COOKIE);
  if (token) {
    const principal = await principalFromSession(context.database, token);
    if (principal) return principal;
  }
  throw new ApiError('unauthorized', 'Sign in, or send `Authorization: Bearer <API key>`.');
}

function isWrite(request: Request): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(request.method);
}

/** Cookie sessions must prove the write came from our own pages: a same-origin request echoing the CSRF token. */
function checkCsrf(request: Request, principal: Principal): void {
  assertSameOrigin(request);
  const token = request.headers.get(CSRF_HEADER);
  if (!token || token !== principal.csrfToken) {
    throw new ApiError('csrf_failed', `Missing or wrong ${CSRF_HEADER} header. Reload the page and try again.`);
  }
}

/** Rejects cross-site requests when the browser tells us their origin. */
export function assertSameOrigin(request: Request): void {
  const site = request.headers.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') {
    throw new ApiError('csrf_failed', 'Cross-site requests are not allowed.');
  }
  const origin = request.headers.get('origin');
  if (origin && origin !== 'null') {
    const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host') ?? new URL(request.url).host;
    if (new URL(origin).host !== host) throw new ApiError('csrf_failed', 'Cross-site requests are not allowed.');
  }
}
