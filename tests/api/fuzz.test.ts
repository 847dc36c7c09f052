import { expect, it } from 'vitest';
import { POST as chat } from '@/app/api/chat/route';
import { POST as addDocument } from '@/app/api/documents/route';
import { GET as getTraces, POST as postTraces } from '@/app/api/analytics/traces/route';
import { POST as evaluate } from '@/app/api/evaluations/route';
import { GET as qualityIssues } from '@/app/api/analytics/quality-issues/route';
import { GET as stats } from '@/app/api/analytics/stats/route';
import { POST as createKey } from '@/app/api/keys/route';
import { call, createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { threeLevelTrace } from '../support/spans';

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY_STRINGS = ['', ' ', '\u0000', '💥', "'; DROP TABLE llm_traces; --", '<script>alert(1)</script>', 'a'.repeat(5000), '-1', '1e309', 'NaN', '2026-13-45T99:99:99Z', '0'.repeat(32), 'G'.repeat(16)];

function value(next: () => number, depth = 0): unknown {
  const pick = Math.floor(next() * (depth > 2 ? 6 : 9));
  switch (pick) {
    case 0: return null;
    case 1: return next() < 0.5;
    case 2: return [0, -1, 1.5, 2 ** 53, -(2 ** 31), Number.MAX_SAFE_INTEGER][Math.floor(next() * 6)];
    case 3: case 4: return NASTY_STRINGS[Math.floor(next() * NASTY_STRINGS.length)];
    case 5: return undefined;
    case 6: return Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1));
    default: {
      const keys = ['trace_id', 'span_id', 'parent_trace_id', 'span_name', 'start_time', 'end_time', 'status', 'operation_type', 'input_tokens', 'cost_usd', 'message_id', 'metadata', 'messages', 'role', 'content', 'success', 'rating', 'failure_tags', 'title', '__proto__', 'constructor'];
      return Object.fromEntries(Array.from({ length: Math.floor(next() * 5) }, () => [keys[Math.floor(next() * keys.length)], value(next, depth + 1)]));
    }
  }
}

/** Mutates one field of a valid span, so most cases get past the outer shape to per-span validation. */
function mutatedSpan(next: () => number) {
  const span: Record<string, unknown> = { ...threeLevelTrace().spans[0] };
  const keys = Object.keys(span);
  span[keys[Math.floor(next() * keys.length)]] = value(next);
  return span;
}

describeEachDatabase('fuzzed input', (getDatabase) => {
  it('never answers 5xx, and a rejected batch writes nothing', async () => {
    const user = await createTestUser(getDatabase());
    const next = random(20261124);
    const failures: string[] = [];
    const check = async (label: string, response: Response) => {
      if (response.status >= 500) failures.push(`${label} → ${response.status} ${await response.text()}`);
      return response;
    };
    for (let i = 0; i < 60; i++) {
      const body = next() < 0.5 ? { traces: Array.from({ length: 1 + Math.floor(next() * 3) }, () => mutatedSpan(next)) } : value(next);
      const before = await getDatabase().query<{ n: number }>('SELECT count(*)::int AS n FROM llm_traces WHERE user_id = $1', [user.userId]);
      const response = await check(`traces #${i}`, await call(postTraces, { path: '/api/analytics/traces', apiKey: user.apiKey, body: body ?? {} }));
      const after = await getDatabase().query<{ n: number }>('SELECT count(*)::int AS n FROM llm_traces WHERE user_id = $1', [user.userId]);
      if (response.status !== 200) expect(after[0].n, `traces #${i} wrote rows but answered ${response.status}`).toBe(before[0].n);
      else {
        const result = await response.json();
        expect(after[0].n - before[0].n).toBeLessThanOrEqual(result.accepted);
      }
    }
    const endpoints = [
      ['chat', chat, '/api/chat'],
      ['evaluations', evaluate, '/api/evaluations'],
      ['documents', addDocument, '/api/documents'],
      ['keys', createKey, '/api/keys'],
    ] as const;
    for (let i = 0; i < 25; i++) {
      for (const [label, handler, path] of endpoints) {
        await check(`${label} #${i}`, await call(handler, { path, apiKey: user.apiKey, body: value(next) ?? {} }));
      }
      const junk = encodeURIComponent(String(NASTY_STRINGS[i % NASTY_STRINGS.length]));
      for (const query of [`status=${junk}`, `limit=${junk}`, `cursor=${junk}`, `from=${junk}`, `trace_id=${junk}`, `min_duration_ms=${junk}`, `q=${junk}`]) {
        await check(`GET traces ?${query}`, await call(getTraces, { path: `/api/analytics/traces?${query}`, apiKey: user.apiKey }));
      }
      await check(`quality ?tag=${junk}`, await call(qualityIssues, { path: `/api/analytics/quality-issues?tag=${junk}`, apiKey: user.apiKey }));
      await check(`stats ?from=${junk}`, await call(stats, { path: `/api/analytics/stats?from=${junk}`, apiKey: user.apiKey }));
    }
    for (const raw of ['{', '[', 'null', '"x"', '{"traces": null}', '\u0000', '{"traces":[{"trace_id":{"$gt":""}}]}']) {
      await check(`raw ${raw}`, await call(postTraces, { path: '/api/analytics/traces', apiKey: user.apiKey, rawBody: raw, headers: { 'content-type': 'application/json' } }));
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
