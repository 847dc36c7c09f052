/**
 * One side of the /api/chat overhead benchmark: N non-streamed demo chats in process, printing the
 * latency percentiles as JSON. `bench/index.ts` runs it with tracing on and off, alternately.
 */
import { POST as chat } from '@/app/api/chat/route';
import { createUserAccount } from '@/lib/auth/accounts';
import { createDatabase } from '@/lib/db/client';
import { setAppContext } from '@/lib/server/context';
import { DatabaseSpanSink } from '@/lib/trace-store/database-sink';
import { traceService } from '@llmtrace/sdk';

async function main() {
  const requests = Number(process.env.BENCH_CHAT_REQUESTS ?? 300);
  const database = await createDatabase({ dataDir: 'memory://' });
  setAppContext({ database });
  traceService.setSink(new DatabaseSpanSink(async () => database));
  const { apiKey } = await createUserAccount(database, { email: 'bench@example.test', password: 'bench-password' });
  const send = async () => {
    const response = await chat(new Request('http://127.0.0.1/api/chat', { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'What is 12*7?' }], tools: ['calculator'] }) }));
    if (!response.ok) throw new Error(`chat answered ${response.status}`);
    await response.json();
  };
  for (let i = 0; i < 30; i++) await send();
  const samples: number[] = [];
  for (let i = 0; i < requests; i++) {
    const start = process.hrtime.bigint();
    // A turn of the event loop, as between two requests a server reads from its sockets: the span
    // queue's writes (scheduled with setImmediate) run here, and delay this request as they would
    // delay a request arriving meanwhile. Without it the loop never left the microtask queue and no
    // span was written until the end: tracing's writes were not measured at all.
    await new Promise((resolve) => setImmediate(resolve));
    await send();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  await traceService.shutdown();
  samples.sort((a, b) => a - b);
  const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))];
  process.stdout.write(`${JSON.stringify({ tracing: traceService.enabled, p50: pct(0.5), p95: pct(0.95), requests })}\n`);
  await database.close();
}

void main();
