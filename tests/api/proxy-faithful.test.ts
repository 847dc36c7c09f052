/**
 * The proxy hands the client exactly what the provider sent: the same bytes (streams included,
 * whatever their chunking, line ends or multi-byte characters), each piece as soon as it arrives,
 * the provider's headers, and, where the proxy asked for usage on the client's behalf, nothing
 * more than the client asked for. Storage is not under test here, so one database (PGlite) suffices.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@/lib/db/client';
import { setAppContext } from '@/lib/server/context';
import { DatabaseSpanSink } from '@/lib/trace-store/database-sink';
import { traceService } from '@llmtrace/sdk';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-server';
import { gate, startRawUpstream, type RawUpstream } from '../fakes/raw-upstream';
import { createTestUser } from '../support/api';
import { openTestDatabase } from '../support/databases';
import { configureUpstreams, SERVER_ANTHROPIC_KEY, SERVER_OPENAI_KEY, startProxyServer, storedSpan } from '../support/proxy-harness';
import type { RouteServer } from '../support/route-server';

let database: Database;
let raw: RawUpstream;
let openai: FakeOpenAI;
let anthropic: FakeAnthropic;
let server: RouteServer;
let apiKey: string;
let restoreEnv: () => void;

beforeAll(async () => {
  database = await openTestDatabase('pglite');
  setAppContext({ database });
  traceService.setSink(new DatabaseSpanSink(async () => database));
  ({ apiKey } = await createTestUser(database));
  [raw, openai, anthropic, server] = await Promise.all([startRawUpstream(), startFakeOpenAI(), startFakeAnthropic(), startProxyServer()]);
  restoreEnv = configureUpstreams({ OPENAI_API_KEY: SERVER_OPENAI_KEY, ANTHROPIC_API_KEY: SERVER_ANTHROPIC_KEY });
});
afterAll(async () => {
  restoreEnv();
  await Promise.all([server?.close(), raw?.close(), openai?.close(), anthropic?.close()]);
  await database?.close();
});

const encoder = new TextEncoder();
const bytes = (piece: string | Uint8Array) => (typeof piece === 'string' ? encoder.encode(piece) : piece);
const joined = (pieces: Array<string | Uint8Array>) => Buffer.concat(pieces.map(bytes));

function useUpstream(provider: 'openai' | 'anthropic', origin: string): void {
  if (provider === 'openai') process.env.OPENAI_BASE_URL = `${origin}/v1`;
  else process.env.ANTHROPIC_BASE_URL = origin;
}

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** Reads a body to its end, failing if a piece takes longer than `stallMs` (the proxy holding bytes back). */
async function readAll(response: Response, onBytes?: (received: Buffer) => void, stallMs = 3000): Promise<Buffer> {
  const reader = response.body!.getReader();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const next = await Promise.race([reader.read(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the proxy held a piece back')), stallMs))]);
    if (next.done) return Buffer.concat(chunks);
    chunks.push(next.value);
    onBytes?.(Buffer.concat(chunks));
  }
}

/** Ids and timestamps differ between two calls to a fake; everything else must not. */
const normalized = (body: Buffer) => body.toString('utf8').replace(/"created":\d+/g, '"created":0').replace(/(chatcmpl-|msg_|call_|toolu_)fake\d+/g, '$1fake');

describe('proxy faithfulness', () => {
  it('forwards a stream byte for byte and piece by piece: CRLF split across pieces, split UTF-8, comments', async () => {
    useUpstream('openai', raw.origin);
    const chunk = (text: string) => `data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"${text}"}}]}\r\n\r\n`;
    const first = chunk('café ');
    const euro = encoder.encode(chunk('€5 🎉'));
    const pieces = [first.slice(0, -1), `${first.slice(-1)}: keep-alive\r\n\r`, '\n', euro.subarray(0, 60), euro.subarray(60), 'data: [DONE]\r\n\r\n'];
    const gates = pieces.slice(1).map(() => gate());
    raw.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, pieces, gates: gates.map((g) => g.opened) });

    const response = await post('/api/proxy/openai/v1/chat/completions', { model: 'gpt-4o-mini', messages: [], stream: true, stream_options: { include_usage: true } });
    // Each piece is let out only once the client has every byte before it: a proxy that buffers stalls here.
    const body = await readAll(response, (received) => {
      gates.forEach((g, i) => received.length >= joined(pieces.slice(0, i + 1)).length && g.open());
    });
    expect(body.equals(joined(pieces))).toBe(true);
    expect((await storedSpan(apiKey, response.headers.get('x-llmtrace-trace-id'))).output_data).toEqual({ role: 'assistant', content: 'café €5 🎉' });
  }, 10_000);

  it('when the proxy turned usage on, the client gets exactly the bytes it asked for, and the span the tokens', async () => {
    useUpstream('openai', raw.origin);
    const chunk = (delta: string, extra: string) => `data: {"id":"c2","choices":[{"index":0,"delta":${delta},"finish_reason":null}],"usage":null${extra}}\r\n\r\n`;
    const usage = 'data: {"id":"c2","choices":[],"usage":{"prompt_tokens":21,"completion_tokens":3,"total_tokens":24}}\r\n\r\n';
    const sent = [chunk('{"content":"Hi"}', ''), chunk('{"content":" there"}', ',"obfuscation":"xyz"'), usage, 'data: [DONE]\r\n\r\n'];
    raw.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, pieces: sent });
    const expected = sent.filter((piece) => piece !== usage).map((piece) => piece.replace(',"usage":null', '')).join('');

    const response = await post('/api/proxy/openai/v1/chat/completions', { model: 'gpt-4o-mini', messages: [], stream: true });
    expect((await readAll(response)).toString('utf8')).toBe(expected);
    expect(raw.requests.at(-1)!.body.stream_options).toEqual({ include_usage: true });
    expect(await storedSpan(apiKey, response.headers.get('x-llmtrace-trace-id'))).toMatchObject({ input_tokens: 21, output_tokens: 3, output_data: { content: 'Hi there' } });
  });

  it('returns the provider’s headers (not its cookies), adds the trace id, and asks upstream for no compression', async () => {
    useUpstream('anthropic', raw.origin);
    const body = '{ "type":"message", "content":[{"type":"text","text":"caf\\u00e9"}], "usage":{"input_tokens":12345678901234567890,"output_tokens":1} }';
    raw.enqueue({ status: 200, headers: { 'content-type': 'application/json', 'request-id': 'req_42', 'anthropic-ratelimit-requests-remaining': '99', 'set-cookie': 'cf=1; Path=/' }, pieces: [body] });
    const response = await post('/api/proxy/anthropic/v1/messages', { model: 'claude-haiku-4-5', max_tokens: 5, messages: [] }, { authorization: '', 'x-api-key': apiKey });
    expect(await response.text()).toBe(body);
    expect(response.headers.get('request-id')).toBe('req_42');
    expect(response.headers.get('anthropic-ratelimit-requests-remaining')).toBe('99');
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(response.headers.get('x-llmtrace-trace-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(raw.requests.at(-1)!.headers['accept-encoding']).toBe('identity');
    // A count no integer column can hold is left out, so the span is still stored.
    expect(await storedSpan(apiKey, response.headers.get('x-llmtrace-trace-id'))).toMatchObject({ status: 'completed', input_tokens: null, output_tokens: 1 });
  });

  it('a JSON answer to a stream request the proxy asked usage for reaches the client whole', async () => {
    useUpstream('openai', raw.origin);
    const body = '{"id":"c3","object":"chat.completion","model":"local","choices":[{"index":0,"message":{"role":"assistant","content":"no streaming here"}}]}';
    raw.enqueue({ status: 200, headers: { 'content-type': 'application/json' }, pieces: [body.slice(0, 40), body.slice(40)] });
    const response = await post('/api/proxy/openai/v1/chat/completions', { model: 'local', messages: [], stream: true });
    expect(await response.text()).toBe(body);
    expect((await storedSpan(apiKey, response.headers.get('x-llmtrace-trace-id'))).output_data).toMatchObject({ content: 'no streaming here' });
  });

  it('a non-JSON body to a traced path is forwarded as sent, and the provider’s answer returned', async () => {
    useUpstream('openai', raw.origin);
    raw.enqueue({ status: 400, headers: { 'content-type': 'application/json' }, pieces: ['{"error":{"message":"We could not parse the JSON body of your request.","type":"invalid_request_error","param":null,"code":null}}'] });
    const response = await fetch(`${server.url}/api/proxy/openai/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` }, body: '{not json' });
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toBe('We could not parse the JSON body of your request.');
    expect(await storedSpan(apiKey, response.headers.get('x-llmtrace-trace-id'))).toMatchObject({ status: 'failed', error_message: 'We could not parse the JSON body of your request.' });
  });

  describe('through the proxy = direct to the fake provider', () => {
    const viaProxyAndDirect = async (provider: 'openai' | 'anthropic', path: string, body: unknown, headers: Record<string, string>) => {
      const direct = await fetch(`${provider === 'openai' ? openai.url : anthropic.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      const proxied = await post(`/api/proxy/${provider === 'openai' ? 'openai/v1' : 'anthropic'}${path}`, body);
      return { direct: normalized(await readAll(direct)), proxied: normalized(await readAll(proxied)), status: [direct.status, proxied.status] };
    };

    it('OpenAI chat, JSON and streamed without usage (which the proxy asked for and then hid)', async () => {
      useUpstream('openai', openai.origin);
      const script = { kind: 'reply' as const, content: 'Fine, thanks — and you?', toolCalls: [{ name: 'lookup', arguments: { q: 'x' } }] };
      for (const stream of [false, true]) {
        openai.enqueue(script, script);
        const result = await viaProxyAndDirect('openai', '/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream }, { authorization: 'Bearer sk-direct' });
        expect(result.status).toEqual([200, 200]);
        expect(result.proxied).toBe(result.direct);
      }
      expect(openai.chatRequests().at(-1)!.body.stream_options).toEqual({ include_usage: true });
    });

    it('Anthropic messages, streamed', async () => {
      useUpstream('anthropic', anthropic.origin);
      const script = { kind: 'reply' as const, content: 'Bonjour à tous', toolUses: [{ name: 'lookup', input: { q: 'ü' } }] };
      anthropic.enqueue(script, script);
      const result = await viaProxyAndDirect('anthropic', '/v1/messages', { model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }], stream: true }, { 'x-api-key': 'sk-ant-direct' });
      expect(result.status).toEqual([200, 200]);
      expect(result.proxied).toBe(result.direct);
    });
  });
});
