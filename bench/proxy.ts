/**
 * Proxy overhead (DESIGN §8: ≤ 2 ms added at p50, ≤ 2 ms added to the time to first token).
 *
 * The same chat completions go straight to a local fake OpenAI server and through the proxy,
 * served over HTTP the way Next.js serves it (socket → web `Request` → route handler → web
 * `Response`), with tracing on and spans written to an in-memory PGlite. Direct and proxied
 * requests alternate one by one, so machine noise hits both alike; each round gives one p50 per
 * side, and the result is the median of the per-round differences with their range.
 *
 * - latency: a non-streamed completion, until the whole body is read;
 * - time to first token: a streamed completion that did not ask for usage (the proxy turns usage
 *   on and hides it again: its heaviest path), until the first content delta arrives.
 *
 * @example
 * const result = await benchProxy({ rounds: 5, requests: 200 });
 * console.log(result.latency.addedP50, result.ttft.addedP50);
 *
 * Run alone: `npx tsx --conditions=react-server bench/proxy.ts` prints the result as JSON.
 */
import { createUserAccount } from '@/lib/auth/accounts';
import { createDatabase } from '@/lib/db/client';
import { setAppContext } from '@/lib/server/context';
import { DatabaseSpanSink } from '@/lib/trace-store/database-sink';
import { traceService } from '@llmtrace/sdk';
import { startFakeOpenAI } from '../tests/fakes/openai-server';
import { configureUpstreams, startProxyServer } from '../tests/support/proxy-harness';

export interface ProxyBenchSide {
  /** Median over rounds of each side's p50, in ms. */
  directP50: number;
  proxyP50: number;
  /** Median over rounds of (proxy p50 − direct p50), in ms: what the proxy adds. */
  addedP50: number;
  /** The per-round added p50s, in ms, to show the spread. */
  addedPerRound: number[];
}

export interface ProxyBenchResult {
  rounds: number;
  requestsPerRound: number;
  latency: ProxyBenchSide;
  ttft: ProxyBenchSide;
}

const BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello.' }] };
const ANSWER = { kind: 'reply' as const, content: 'Hello there! How can I help you today?', usage: { prompt_tokens: 11, completion_tokens: 10 } };

export async function benchProxy({ rounds = 5, requests = 200, warmup = 200 } = {}): Promise<ProxyBenchResult> {
  const database = await createDatabase({ dataDir: 'memory://' });
  setAppContext({ database });
  traceService.setSink(new DatabaseSpanSink(async () => database));
  const { apiKey } = await createUserAccount(database, { email: 'bench-proxy@example.test', password: 'bench-password' });
  const fake = await startFakeOpenAI();
  const server = await startProxyServer();
  const restoreEnv = configureUpstreams({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'sk-bench' });
  const direct = { url: `${fake.url}/chat/completions`, key: 'sk-bench' };
  const proxied = { url: `${server.url}/api/proxy/openai/v1/chat/completions`, key: apiKey };

  /** One request, timed until the body is read (`stream` false) or the first content delta (true). */
  const timed = async (target: typeof direct, stream: boolean): Promise<number> => {
    fake.enqueue(ANSWER);
    const start = performance.now();
    const response = await fetch(target.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...BODY, stream }),
    });
    if (!response.ok) throw new Error(`${target.url} answered ${response.status}: ${await response.text()}`);
    if (!stream) {
      await response.arrayBuffer();
      return performance.now() - start;
    }
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    let firstToken: number | undefined;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      seen += decoder.decode(value, { stream: true });
      if (firstToken === undefined && /"content":"[^"]/.test(seen)) firstToken = performance.now() - start;
    }
    if (firstToken === undefined) throw new Error('the stream carried no content');
    return firstToken;
  };

  const measure = async (stream: boolean): Promise<ProxyBenchSide> => {
    for (let i = 0; i < warmup; i++) {
      await timed(direct, stream);
      await timed(proxied, stream);
    }
    const directP50s: number[] = [];
    const proxyP50s: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const sides = { direct: [] as number[], proxied: [] as number[] };
      for (let i = 0; i < requests; i++) {
        // Alternate which side goes first, so neither always runs on a warmer connection.
        const order = (round + i) % 2 === 0 ? (['direct', 'proxied'] as const) : (['proxied', 'direct'] as const);
        for (const side of order) sides[side].push(await timed(side === 'direct' ? direct : proxied, stream));
      }
      directP50s.push(median(sides.direct));
      proxyP50s.push(median(sides.proxied));
      await traceService.flush();
    }
    const addedPerRound = proxyP50s.map((p50, round) => p50 - directP50s[round]);
    return { directP50: median(directP50s), proxyP50: median(proxyP50s), addedP50: median(addedPerRound), addedPerRound };
  };

  try {
    const latency = await measure(false);
    const ttft = await measure(true);
    return { rounds, requestsPerRound: requests, latency, ttft };
  } finally {
    await traceService.flush();
    // Later sections of `npm run bench` must not write into the database closed below.
    traceService.setSink({ write: async () => {} });
    restoreEnv();
    await server.close();
    await fake.close();
    await database.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

if (process.argv[1]?.endsWith('bench/proxy.ts')) {
  benchProxy().then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
