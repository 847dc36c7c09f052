import 'server-only';
import { principalFromApiKey, principalFromSession, type Principal } from '@/lib/auth/accounts';
import { CSRF_HEADER, SESSION_COOKIE, readCookie } from '@/lib/auth/cookies';
import { getAppContext, type AppContext } from '@/lib/server/context';
import { requestHost } from './client-address';
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

/** A route without authentication (health, login, a public share link). Errors still become JSON responses. */
export function unauthenticated<P = Record<string, never>>(handler: (context: AppContext & { request: Request; params: P }) => Promise<Response>) {
  return async (request: Request, args?: NextRouteArgs<P>): Promise<Response> => {
    try {
      const params = ((await args?.params) ?? {}) as P;
      return await handler({ ...(await getAppContext()), request, params });
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

/**
 * Rejects cross-site requests when the browser tells us their origin (`Sec-Fetch-Site`, `Origin`).
 * The host they must match is `Host`, or `X-Forwarded-Host` only when `TRUST_PROXY` says a proxy
 * sets it. With `requireProof`, a request that carries neither header is refused too: an HTML form
 * post is a "simple" request any site can send, so it must prove where it came from.
 */
export function assertSameOrigin(request: Request, { requireProof = false }: { requireProof?: boolean } = {}): void {
  const crossSite = () => new ApiError('csrf_failed', 'Cross-site requests are not allowed.');
  const site = request.headers.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') throw crossSite();
  const origin = request.headers.get('origin');
  if (origin && origin !== 'null') {
    if (originHost(origin) !== requestHost(request)) throw crossSite();
    return;
  }
  if (requireProof && site !== 'same-origin') throw crossSite();
}

function originHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
type ImplementableMethod = Exclude<HttpMethod, 'HEAD' | 'OPTIONS'>;
type MethodHandler = (request: Request) => Promise<Response>;
/** HEAD is derived from GET by Next.js when a route has GET. */
type OtherMethods<I extends ImplementableMethod> = Exclude<HttpMethod, I | ('GET' extends I ? 'HEAD' : never)>;

/**
 * The handlers for every method a route does not implement: 405 in the JSON error shape with an
 * `Allow` header, and OPTIONS answering 204 with the same `Allow`. Next.js would otherwise answer
 * a missing method with an empty 405. Export them beside the route's own handlers, naming the
 * methods it implements; `tests/api/methods.test.ts` checks every route file.
 *
 * @example
 * export const GET = authenticated(async () => Response.json({ ok: true }));
 * export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET'); // Next.js derives HEAD from GET
 */
export function otherMethods<const I extends ImplementableMethod>(...implemented: I[]): Record<OtherMethods<I>, MethodHandler> {
  const has = (method: HttpMethod): boolean => (implemented as HttpMethod[]).includes(method) || (method === 'HEAD' && has('GET')) || method === 'OPTIONS';
  const allow = HTTP_METHODS.filter(has).join(', ');
  const handlers: Partial<Record<HttpMethod, MethodHandler>> = {};
  for (const method of HTTP_METHODS) {
    if (method === 'OPTIONS') handlers.OPTIONS = async () => new Response(null, { status: 204, headers: { Allow: allow } });
    else if (!has(method)) {
      handlers[method] = async (request) =>
        new ApiError('method_not_allowed', `${request.method} is not supported on ${new URL(request.url).pathname}; use ${allow}.`, { headers: { Allow: allow } }).toResponse();
    }
  }
  return handlers as Record<OtherMethods<I>, MethodHandler>;
}

/** Every method of a path no route serves: a JSON 404 (the catch-all routes). */
export function notFoundEverywhere(): Record<HttpMethod, MethodHandler> {
  const notFound: MethodHandler = async (request) =>
    new ApiError('not_found', `There is no API endpoint at ${new URL(request.url).pathname}.`).toResponse();
  return Object.fromEntries(HTTP_METHODS.map((method) => [method, notFound])) as Record<HttpMethod, MethodHandler>;
}
