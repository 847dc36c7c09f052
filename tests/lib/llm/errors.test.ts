import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { CancelledError, ProviderError, toProviderError } from '@/lib/llm/errors';

/** Both SDKs' error classes go through the one mapper and come out the same. */
const SDKS = [
  ['openai', OpenAI],
  ['anthropic', Anthropic],
] as const;

describe.each(SDKS)('toProviderError with the %s SDK', (provider, Sdk) => {
  const map = (error: unknown, signal?: AbortSignal) => toProviderError(provider, error, { sdk: Sdk, signal });

  it('maps an HTTP error by status, with the retry-after delay', () => {
    const error = map(Sdk.APIError.generate(429, { error: { message: 'slow down' } }, undefined, new Headers({ 'retry-after': '2' })));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider, status: 429, code: 'rate_limited', retryable: true, retryAfterMs: 2000 });
    expect(map(Sdk.APIError.generate(401, undefined, 'bad key', new Headers()))).toMatchObject({ code: 'authentication_failed', retryable: false });
    expect(map(Sdk.APIError.generate(503, undefined, 'down', new Headers()))).toMatchObject({ code: 'provider_unavailable', retryable: true });
    expect(map(Sdk.APIError.generate(400, undefined, 'bad model', new Headers()))).toMatchObject({ code: 'invalid_request', retryable: false });
  });

  it('maps an error event inside a stream (no status) to provider_unavailable', () => {
    const error = map(new Sdk.APIError(undefined, undefined, 'Overloaded', undefined));
    expect(error).toMatchObject({ provider, status: undefined, code: 'provider_unavailable', message: 'Overloaded', retryable: true });
  });

  it('maps time-outs and connection failures to retryable errors', () => {
    expect(map(new Sdk.APIConnectionTimeoutError())).toMatchObject({ provider, code: 'timeout', retryable: true });
    const refused = map(new Sdk.APIConnectionError({ message: 'ECONNREFUSED' }));
    expect(refused).toMatchObject({ provider, code: 'connection_failed', retryable: true });
    expect(refused.message).toBe('Could not reach the provider: ECONNREFUSED');
    expect(map(new TypeError('terminated'))).toMatchObject({ code: 'connection_failed', retryable: true });
    expect(map(new Error('unexpected JSON'))).toMatchObject({ code: 'invalid_response', retryable: false });
  });

  it('turns a caller abort into a CancelledError and passes our own errors through', () => {
    expect(map(new Sdk.APIUserAbortError())).toBeInstanceOf(CancelledError);
    const controller = new AbortController();
    controller.abort();
    expect(map(new Error('anything'), controller.signal)).toBeInstanceOf(CancelledError);
    const own = new ProviderError({ provider, code: 'invalid_response', message: 'no choices', retryable: false });
    expect(map(own)).toBe(own);
  });
});
