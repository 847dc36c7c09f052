/**
 * The OpenAI dialect: what OpenAI SDKs send (`Authorization: Bearer <key>`), OpenAI's error shape,
 * and the traced endpoints below `/api/proxy/openai/v1`. Any OpenAI-compatible server configured
 * as `OPENAI_BASE_URL` (vLLM, Ollama…) is reached the same way.
 */
import { embeddings } from './openai-embeddings';
import { chatCompletions } from './openai-chat';
import { responses } from './openai-responses';
import type { ProxyDialect, ProxyErrorKind, TracedOperation } from './types';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

const TRACED: Readonly<Record<string, TracedOperation>> = {
  '/chat/completions': chatCompletions,
  '/responses': responses,
  '/embeddings': embeddings,
};

/** OpenAI's `error.type` and `error.code` for each error the proxy answers itself. */
const ERROR_FIELDS: Record<ProxyErrorKind, { type: string; code: string }> = {
  unauthorized: { type: 'invalid_request_error', code: 'invalid_api_key' },
  forbidden: { type: 'invalid_request_error', code: 'insufficient_permissions' },
  not_found: { type: 'invalid_request_error', code: 'unknown_url' },
  too_large: { type: 'invalid_request_error', code: 'request_too_large' },
  internal: { type: 'server_error', code: 'internal_error' },
  not_configured: { type: 'server_error', code: 'proxy_not_configured' },
  unreachable: { type: 'server_error', code: 'upstream_unreachable' },
  unavailable: { type: 'server_error', code: 'service_unavailable' },
};

export const openaiDialect: ProxyDialect = {
  provider: 'openai',
  label: 'OpenAI',
  prefix: '/api/proxy/openai/v1',
  keyVariable: 'OPENAI_API_KEY',
  // A base URL alone is enough for managed calls: local compatible servers often need no key.
  upstream: (config) => ({
    baseURL: config.openai.baseURL ?? OPENAI_DEFAULT_BASE_URL,
    apiKey: config.openai.apiKey,
    usable: config.openai.configured,
  }),
  setServerKey: (headers, key) => headers.set('authorization', `Bearer ${key}`),
  errorBody: (kind, message) => ({ error: { message, type: ERROR_FIELDS[kind].type, param: null, code: ERROR_FIELDS[kind].code } }),
  operation: (path) => TRACED[path],
};
