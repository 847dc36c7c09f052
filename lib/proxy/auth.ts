/**
 * Who a proxied call belongs to. The proxy has two ways to be given an LLMTrace key, because SDKs
 * can only be configured through their own key and base URL:
 *
 * - **managed:** the LLMTrace key *is* the provider key (`Authorization: Bearer lt_…` from OpenAI
 *   SDKs, `x-api-key: lt_…` from Anthropic SDKs); the server calls the provider with its own key.
 * - **pass-through:** the provider key stays where the SDK puts it and reaches the provider
 *   unchanged; the LLMTrace key comes in `x-llmtrace-key`.
 *
 * An `lt_` key in a provider-key header always means managed, so an LLMTrace key is never
 * forwarded to a provider, even when a client sends both headers. Keys found live are remembered
 * for two seconds (see `key-cache.ts`).
 */
import 'server-only';
import { principalFromApiKey, type Principal } from '@/lib/auth/accounts';
import type { Database } from '@/lib/db/client';
import { summarizeDatabaseError } from '@/lib/db/errors';
import { KEY_CHECK_UNAVAILABLE, ProxyError } from './errors';
import { cachedPrincipal } from './key-cache';
import type { ProxyDialect } from './types';

export type AuthMode = 'managed' | 'pass_through';

export interface ProxyCaller {
  principal: Principal;
  mode: AuthMode;
}

/** The request header that carries the LLMTrace key in pass-through mode. */
export const LLMTRACE_KEY_HEADER = 'x-llmtrace-key';

const LLMTRACE_KEY_PREFIX = 'lt_';

/**
 * Where the LLMTrace key is, and so which mode the call uses; undefined when there is none.
 *
 * @example
 * llmtraceKeyOf(new Headers({ authorization: 'Bearer lt_abc' })); // { key: 'lt_abc', mode: 'managed' }
 * llmtraceKeyOf(new Headers({ authorization: 'Bearer sk-…', 'x-llmtrace-key': 'lt_abc' })); // { key: 'lt_abc', mode: 'pass_through' }
 */
export function llmtraceKeyOf(headers: Headers): { key: string; mode: AuthMode } | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.get('authorization') ?? '')?.[1];
  const apiKey = headers.get('x-api-key')?.trim();
  for (const candidate of [bearer, apiKey]) {
    if (candidate?.startsWith(LLMTRACE_KEY_PREFIX)) return { key: candidate, mode: 'managed' };
  }
  const explicit = headers.get(LLMTRACE_KEY_HEADER)?.trim();
  return explicit ? { key: explicit, mode: 'pass_through' } : undefined;
}

/**
 * Resolves the caller from the request's LLMTrace key. Throws {@link ProxyError}: `unauthorized`
 * without a live key, `forbidden` for a `chat`-scope key (those may only call `/api/chat`: they
 * are made to be embedded in widgets, and must not spend the server's provider key), and
 * `unavailable` when the key cannot be checked.
 */
export async function authenticateCaller(request: Request, database: Database, dialect: ProxyDialect): Promise<ProxyCaller> {
  const found = llmtraceKeyOf(request.headers);
  if (!found) {
    throw new ProxyError(
      'unauthorized',
      `LLMTrace proxy: no LLMTrace API key. Either use your LLMTrace key (lt_…) as the ${dialect.label} API key ` +
        `(the LLMTrace server then calls ${dialect.label} with its own ${dialect.keyVariable}), or keep your ${dialect.label} key ` +
        `and add the header "${LLMTRACE_KEY_HEADER}: lt_…".`,
    );
  }
  let principal: Principal | null;
  try {
    principal = await cachedPrincipal(database, found.key, principalFromApiKey);
  } catch (error) {
    console.error(`[llmtrace] proxy: checking an API key failed: ${summarizeDatabaseError(error)}`);
    throw new ProxyError('unavailable', KEY_CHECK_UNAVAILABLE);
  }
  if (!principal) throw new ProxyError('unauthorized', 'LLMTrace proxy: the LLMTrace API key is invalid or revoked.');
  if (principal.scope === 'chat') {
    throw new ProxyError('forbidden', 'LLMTrace proxy: this LLMTrace key has the "chat" scope, which may only call /api/chat. Use a full-scope key.');
  }
  return { principal, mode: found.mode };
}
