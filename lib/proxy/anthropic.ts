/**
 * The Anthropic dialect: what Anthropic SDKs send (`x-api-key: <key>`), Anthropic's error shape
 * (`{"type":"error","error":{type,message}}`), and the traced endpoint below
 * `/api/proxy/anthropic` (the SDKs append `/v1/messages` themselves).
 */
import { messages } from './anthropic-messages';
import type { ProxyDialect, ProxyErrorKind } from './types';

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';

/** Anthropic's `error.type` for each error the proxy answers itself. */
const ERROR_TYPES: Record<ProxyErrorKind, string> = {
  unauthorized: 'authentication_error',
  forbidden: 'permission_error',
  not_found: 'not_found_error',
  too_large: 'request_too_large',
  internal: 'api_error',
  not_configured: 'api_error',
  unreachable: 'api_error',
  unavailable: 'api_error',
};

export const anthropicDialect: ProxyDialect = {
  provider: 'anthropic',
  label: 'Anthropic',
  prefix: '/api/proxy/anthropic',
  keyVariable: 'ANTHROPIC_API_KEY',
  upstream: (config) => ({
    baseURL: config.anthropic.baseURL ?? ANTHROPIC_DEFAULT_BASE_URL,
    apiKey: config.anthropic.apiKey,
    usable: config.anthropic.configured,
  }),
  setServerKey: (headers, key) => headers.set('x-api-key', key),
  errorBody: (kind, message) => ({ type: 'error', error: { type: ERROR_TYPES[kind], message } }),
  operation: (path) => (path === '/v1/messages' ? messages : undefined),
};
