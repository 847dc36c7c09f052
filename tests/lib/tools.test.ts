import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readLlmConfig } from '@/lib/config/llm.config';
import { CancelledError } from '@/lib/llm/errors';
import { defineTool, evaluateArithmetic, executeTool, getTool, listTools, registerTool, toolDefinitions } from '@/lib/tools';
import { createTestTracer, type TestTracer } from '../fakes/tracing';

let tracer: TestTracer;
beforeEach(() => {
  tracer = createTestTracer();
});

const noSearch = readLlmConfig({});

describe('evaluateArithmetic', () => {
  it.each([
    ['12*7', 84],
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 / 4', 2.5],
    ['10 % 4', 2],
    ['2 ^ 10', 1024],
    ['2 ** 3', 8],
    ['2 ^ 3 ^ 2', 512],
    ['-2 ^ 2', -4],
    ['(-2) ^ 2', 4],
    ['2 ^ -1', 0.5],
    ['--3', 3],
    ['-(4 - 6) * .5', 1],
    ['0.1 + 0.2', 0.3],
    ['1.5e3 / 3', 500],
    ['  7  ', 7],
  ])('%s = %d', (expression, expected) => {
    expect(evaluateArithmetic(expression)).toBe(expected);
  });

  it.each([
    ['1 / 0', /Division by zero/],
    ['5 % 0', /Division by zero/],
    ['', /empty/],
    ['2 +', /ends too early/],
    ['(1 + 2', /Missing "\)"/],
    ['1 + 2)', /Unexpected "\)"/],
    ['2 3', /Unexpected "3"/],
    ['process.exit(1)', /Unexpected character "p"/],
    ['Math.max(1, 2)', /Unexpected character/],
    ['10 ^ 400', /not a finite number/],
  ])('rejects %j', (expression, message) => {
    expect(() => evaluateArithmetic(expression)).toThrow(message);
  });

  it('refuses pathological nesting instead of overflowing the stack', () => {
    expect(() => evaluateArithmetic('('.repeat(5000) + '1' + ')'.repeat(5000))).toThrow(/nested more than/);
    expect(() => evaluateArithmetic('-'.repeat(5000) + '1')).toThrow(/nested more than/);
  });
});

describe('tool registry', () => {
  it('generates the JSON Schema the model sees from the zod schema', () => {
    expect(getTool('calculator')!.definition).toEqual({
      name: 'calculator',
      description: expect.stringContaining('arithmetic'),
      parameters: {
        type: 'object',
        properties: { expression: { type: 'string', minLength: 1, maxLength: 1000, description: expect.any(String) } },
        required: ['expression'],
      },
    });
    // Optional and defaulted fields are not required.
    expect(getTool('web_search')!.definition.parameters).toMatchObject({ required: ['query'] });
    expect(getTool('current_time')!.definition.parameters).not.toHaveProperty('required');
  });

  it('offers web_search only when WEB_SEARCH_URL is configured', () => {
    const names = ['calculator', 'web_search', 'current_time'];
    expect(toolDefinitions(names, noSearch).map((t) => t.name)).toEqual(['calculator', 'current_time']);
    expect(toolDefinitions(names, readLlmConfig({ WEB_SEARCH_URL: 'http://search.local' })).map((t) => t.name)).toEqual(names);
    expect(listTools(noSearch).find((t) => t.name === 'web_search')).toMatchObject({ available: false });
  });

  it('ignores unknown and repeated names', () => {
    expect(toolDefinitions(['calculator', 'nope', 'calculator'], noSearch).map((t) => t.name)).toEqual(['calculator']);
  });

  it('lets a developer add a tool in one definition, and refuses a duplicate name', async () => {
    const shout = defineTool({
      name: 'test_shout',
      description: 'Upper-case a text.',
      schema: z.object({ text: z.string().max(100) }),
      handler: ({ text }) => text.toUpperCase(),
    });
    registerTool(shout);
    expect(() => registerTool(shout)).toThrow(/already registered/);
    expect(toolDefinitions(['test_shout'], noSearch)[0].parameters).toMatchObject({ properties: { text: { type: 'string' } } });

    const result = await tracer.inRoot(() => executeTool({ id: 'c1', name: 'test_shout', arguments: { text: 'hi' } }, { tracer: tracer.service, config: noSearch }));
    expect(result).toMatchObject({ ok: true, content: 'HI' });
  });

  it('rejects tool names providers would refuse', () => {
    expect(() => defineTool({ name: 'has space', description: '', schema: z.object({}), handler: () => null })).toThrow(/must match/);
  });
});

describe('executeTool', () => {
  const run = (name: string, args: Record<string, unknown>, options: Parameters<typeof executeTool>[1] = {}) =>
    tracer.inRoot(() => executeTool({ id: 'call_1', name, arguments: args }, { tracer: tracer.service, config: noSearch, ...options }));

  it('runs the tool in a tool.<name> span with the arguments as input and the result as output', async () => {
    const result = await run('calculator', { expression: '12*7' });
    expect(result).toEqual({
      toolCallId: 'call_1',
      name: 'calculator',
      ok: true,
      output: { expression: '12*7', result: 84 },
      content: '{"expression":"12*7","result":84}',
    });
    const [root] = await tracer.spansNamed('llm.completion');
    const [span] = await tracer.spansNamed('tool.calculator');
    expect(span).toMatchObject({
      status: 'completed',
      operation_type: 'tool_call',
      parent_trace_id: root.span_id,
      input_data: { expression: '12*7' },
      output_data: { expression: '12*7', result: 84 },
      error_message: null,
      metadata: { tool_call_id: 'call_1' },
    });
  });

  it('returns an error to the model and fails the span when the tool throws', async () => {
    const result = await run('calculator', { expression: '1/0' });
    expect(result).toMatchObject({ ok: false, error: 'Division by zero.', content: '{"error":"Division by zero."}' });
    const [span] = await tracer.spansNamed('tool.calculator');
    expect(span).toMatchObject({ status: 'failed', error_message: 'Division by zero.', input_data: { expression: '1/0' } });
  });

  it('fails invalid arguments without running the handler', async () => {
    const result = await run('current_time', { timezone: 'Mars/Olympus_Mons' });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/Invalid arguments for current_time: timezone: Unknown time zone/);
    const [span] = await tracer.spansNamed('tool.current_time');
    expect(span.status).toBe('failed');
    expect(span.error_message).toMatch(/Unknown time zone/);

    expect((await run('calculator', {})).error).toMatch(/expression/);
  });

  it('fails an unknown tool in its own span', async () => {
    const result = await run('delete_everything', { really: true });
    expect(result).toMatchObject({ ok: false, error: 'Unknown tool "delete_everything".' });
    const [span] = await tracer.spansNamed('tool.delete_everything');
    expect(span).toMatchObject({ status: 'failed', input_data: { really: true } });
  });

  it('tells the time in the requested zone', async () => {
    const result = await run('current_time', { timezone: 'Asia/Tokyo' });
    expect(result.output).toMatchObject({ timezone: 'Asia/Tokyo', local: expect.stringContaining('GMT+9') });
    expect(Math.abs(Date.parse((result.output as { iso: string }).iso) - Date.now())).toBeLessThan(5000);
    expect((await run('current_time', {})).output).toMatchObject({ timezone: 'UTC' });
  });

  it('fails a tool that outlives its time-out', async () => {
    registerTool(
      defineTool({
        name: 'test_sleepy',
        description: 'Never answers.',
        schema: z.object({}),
        timeoutMs: 50,
        handler: () => new Promise(() => {}),
      }),
    );
    const result = await run('test_sleepy', {});
    expect(result).toMatchObject({ ok: false, error: 'test_sleepy timed out after 50 ms.' });
    const [span] = await tracer.spansNamed('tool.test_sleepy');
    expect(span.status).toBe('failed');
  });

  it('throws CancelledError and cancels the span when the caller aborts', async () => {
    registerTool(
      defineTool({
        name: 'test_slow',
        description: 'Waits for its signal.',
        schema: z.object({}),
        handler: (_args, { signal }) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      }),
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await expect(run('test_slow', {}, { signal: controller.signal })).rejects.toBeInstanceOf(CancelledError);
    const [span] = await tracer.spansNamed('tool.test_slow');
    expect(span.status).toBe('cancelled');
    expect(tracer.sink.records().filter((r) => r.span_id === span.span_id)).toHaveLength(1);
  });
});

describe('web_search against a SearXNG-shaped server', () => {
  let server: Server;
  let baseUrl: string;
  const received: URL[] = [];
  let reply: { status: number; body: unknown; delayMs?: number } = { status: 200, body: {} };

  beforeAll(async () => {
    server = createServer((req, res) => {
      received.push(new URL(req.url!, 'http://localhost'));
      setTimeout(() => {
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply.body));
      }, reply.delayMs ?? 0);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/searx`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    received.length = 0;
  });

  const search = (args: Record<string, unknown>) =>
    tracer.inRoot(() => executeTool({ id: 's1', name: 'web_search', arguments: args }, { tracer: tracer.service, config: readLlmConfig({ WEB_SEARCH_URL: baseUrl }) }));

  it('queries /search with format=json and returns the top results', async () => {
    reply = {
      status: 200,
      body: {
        query: 'vitest 4',
        number_of_results: 3,
        results: [
          { title: 'Vitest 4 released', url: 'https://vitest.dev/blog/vitest-4', content: 'Vitest 4 is out.', engine: 'duckduckgo', score: 3 },
          { title: 'No URL', content: 'dropped' },
          { title: 'Changelog', url: 'https://github.com/vitest-dev/vitest/releases', content: null, engine: 'github' },
          { title: 'Third', url: 'https://example.com/3', content: 'x'.repeat(2000) },
        ],
        answers: [],
        suggestions: [],
      },
    };
    const result = await search({ query: 'vitest 4', max_results: 2 });
    expect(received[0].pathname).toBe('/searx/search');
    expect(Object.fromEntries(received[0].searchParams)).toEqual({ q: 'vitest 4', format: 'json' });
    expect(result.output).toEqual({
      query: 'vitest 4',
      results: [
        { title: 'Vitest 4 released', url: 'https://vitest.dev/blog/vitest-4', content: 'Vitest 4 is out.' },
        { title: 'Changelog', url: 'https://github.com/vitest-dev/vitest/releases', content: '' },
      ],
    });
    const [span] = await tracer.spansNamed('tool.web_search');
    expect(span).toMatchObject({ status: 'completed', input_data: { query: 'vitest 4', max_results: 2 } });
  });

  it('explains a 403 from a SearXNG without the JSON format enabled', async () => {
    reply = { status: 403, body: { error: 'forbidden' } };
    const result = await search({ query: 'anything' });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/HTTP 403.*json format/);
  });

  it('is not offered, and fails if called, when WEB_SEARCH_URL is unset', async () => {
    const result = await tracer.inRoot(() => executeTool({ id: 's2', name: 'web_search', arguments: { query: 'x' } }, { tracer: tracer.service, config: noSearch }));
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining('not available') });
  });
});
