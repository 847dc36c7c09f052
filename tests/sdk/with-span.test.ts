import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InMemorySpanSink, TraceService, currentSpan, runWithSpan, type SpanRecord } from '@llmtrace/sdk';

const userId = '6f1c2a4e-0d6b-4e4b-9a55-1f3c1b7c9a01';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function setup() {
  const sink = new InMemorySpanSink();
  const service = new TraceService({ sink, config: { batchIntervalMs: 60_000 } });
  const spans = async (): Promise<Record<string, SpanRecord>> => {
    await service.flush();
    return Object.fromEntries(sink.spans().map((span) => [span.span_name, span]));
  };
  return { service, sink, spans };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('withSpan', () => {
  it('nests through awaits: inner spans become children of the span they run in', async () => {
    const { service, spans } = setup();
    const result = await service.withSpan({ spanName: 'llm.completion', operationType: 'llm_call', userId }, async () => {
      await pause(1);
      return service.withSpan({ spanName: 'retrieval', operationType: 'retrieval' }, async () => {
        await pause(1);
        return service.withSpan({ spanName: 'knowledge_base.search', operationType: 'retrieval' }, async () => {
          await pause(1);
          return 'found';
        });
      });
    });
    expect(result).toBe('found');
    const byName = await spans();
    expect(byName['llm.completion'].parent_trace_id).toBeNull();
    expect(byName.retrieval.parent_trace_id).toBe(byName['llm.completion'].span_id);
    expect(byName['knowledge_base.search'].parent_trace_id).toBe(byName.retrieval.span_id);
    expect(new Set(Object.values(byName).map((span) => span.trace_id)).size).toBe(1);
    expect(Object.values(byName).every((span) => span.status === 'completed' && span.user_id === userId)).toBe(true);
  });

  it('keeps parallel branches apart under Promise.all', async () => {
    const { service, spans } = setup();
    await service.withSpan({ spanName: 'agent', operationType: 'agent', userId }, async () => {
      await Promise.all(
        ['a', 'b', 'c'].map((branch, index) =>
          service.withSpan({ spanName: `tool.${branch}`, operationType: 'tool_call' }, async () => {
            await pause(3 - index);
            await service.withSpan({ spanName: `llm.${branch}`, operationType: 'llm_call' }, async () => pause(index));
          }),
        ),
      );
    });
    const byName = await spans();
    for (const branch of ['a', 'b', 'c']) {
      expect(byName[`tool.${branch}`].parent_trace_id).toBe(byName.agent.span_id);
      expect(byName[`llm.${branch}`].parent_trace_id).toBe(byName[`tool.${branch}`].span_id);
    }
  });

  it('records a throw as failed with the message and re-throws the original error', async () => {
    const { service, spans } = setup();
    const original = new RangeError('tool exploded');
    const outcome = service.withSpan({ spanName: 'llm.completion', operationType: 'llm_call', userId }, async () => {
      await service.withSpan({ spanName: 'tool.calculator', operationType: 'tool_call' }, () => {
        throw original;
      });
    });
    await expect(outcome).rejects.toBe(original);
    const byName = await spans();
    expect(byName['tool.calculator']).toMatchObject({ status: 'failed', error_message: 'tool exploded' });
    expect(byName['llm.completion']).toMatchObject({ status: 'failed', error_message: 'tool exploded' });
  });

  it('an explicit parent wins over the current span', async () => {
    const { service, spans } = setup();
    const other = await service.startTrace({ spanName: 'other', operationType: 'chain', userId: 'u2' });
    await service.withSpan({ spanName: 'outer', operationType: 'chain', userId }, async () => {
      await service.withSpan({ spanName: 'explicit', operationType: 'other', parent: other }, async () => {});
    });
    await service.endTrace(other);
    const byName = await spans();
    expect(byName.explicit).toMatchObject({ parent_trace_id: other.spanId, trace_id: other.traceId, user_id: 'u2' });
  });

  it('applies update() fields when it ends the span', async () => {
    const { service, spans } = setup();
    await service.withSpan({ spanName: 'llm.call', operationType: 'llm_call', userId }, async (span) => {
      service.update(span, { modelName: 'gpt-4o', inputTokens: 10, outputTokens: 4, costUsd: 0.002, outputData: 'ok' });
    });
    expect((await spans())['llm.call']).toMatchObject({
      model_name: 'gpt-4o',
      total_tokens: 14,
      cost_usd: 0.002,
      output_data: 'ok',
      status: 'completed',
    });
  });

  it('does not end a span twice when fn ends it itself, and does not warn', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { service, sink } = setup();
    await service.withSpan({ spanName: 'llm.call', operationType: 'llm_call', userId }, async (span) => {
      await service.endTrace(span, { status: 'cancelled' });
    });
    await service.flush();
    expect(sink.records()).toHaveLength(1);
    expect(sink.records()[0].status).toBe('cancelled');
    expect(warn).not.toHaveBeenCalled();
  });

  it('currentSpan() is the innermost span inside and undefined outside', async () => {
    const { service } = setup();
    expect(service.currentSpan()).toBeUndefined();
    await service.withSpan({ spanName: 'outer', operationType: 'chain', userId }, async (outer) => {
      expect(currentSpan()).toBe(outer);
      await service.withSpan({ spanName: 'inner', operationType: 'other' }, async (inner) => {
        await pause(1);
        expect(currentSpan()).toBe(inner);
      });
      expect(currentSpan()).toBe(outer);
    });
    expect(currentSpan()).toBeUndefined();
  });

  it('runWithSpan makes a span from startTrace the parent of nested withSpan calls', async () => {
    const { service, spans } = setup();
    const root = await service.startTrace({ spanName: 'llm.completion', operationType: 'llm_call', userId });
    await runWithSpan(root, () => service.withSpan({ spanName: 'tool.web_search', operationType: 'tool_call' }, async () => {}));
    await service.endTrace(root);
    expect((await spans())['tool.web_search'].parent_trace_id).toBe(root.spanId);
  });

  it('returns the value of a synchronous fn', async () => {
    const { service } = setup();
    await expect(service.withSpan({ spanName: 'sync', operationType: 'other', userId }, () => 7)).resolves.toBe(7);
  });
});

describe('withSpan and aborts', () => {
  const aborts: Array<[string, () => unknown]> = [
    ['a DOMException named AbortError (fetch, AbortSignal)', () => new DOMException('This operation was aborted', 'AbortError')],
    ['an Error whose name is AbortError', () => Object.assign(new Error('stream closed by the client'), { name: 'AbortError' })],
    ["openai's APIUserAbortError", () => new OpenAI.APIUserAbortError()],
    ["anthropic's APIUserAbortError", () => new Anthropic.APIUserAbortError()],
    ['an error whose name is APIUserAbortError', () => Object.assign(new Error('Request was aborted.'), { name: 'APIUserAbortError' })],
  ];

  it.each(aborts)('records %s as cancelled, not failed, and re-throws it unchanged', async (_kind, makeError) => {
    const { service, spans } = setup();
    const thrown = makeError();
    const outcome = service.withSpan({ spanName: 'llm.call', operationType: 'llm_call', userId }, async () => {
      await pause(1);
      throw thrown;
    });
    await expect(outcome).rejects.toBe(thrown);
    const span = (await spans())['llm.call'];
    expect(span.status).toBe('cancelled');
    expect(span.error_message).toBe((thrown as Error).message);
    expect(span.end_time).not.toBeNull();
  });

  it("records whatever is thrown once the caller's signal fired as cancelled", async () => {
    const { service, spans } = setup();
    const controller = new AbortController();
    const hangUp = new Error('socket hang up');
    const outcome = service.withSpan({ spanName: 'tool.web_search', operationType: 'tool_call', userId, signal: controller.signal }, async () => {
      controller.abort();
      throw hangUp;
    });
    await expect(outcome).rejects.toBe(hangUp);
    expect((await spans())['tool.web_search']).toMatchObject({ status: 'cancelled', error_message: 'socket hang up' });
  });

  it('keeps time-outs and ordinary errors failed, also with a signal that did not fire', async () => {
    const { service, spans } = setup();
    const signal = new AbortController().signal;
    const timeout = new DOMException('The operation timed out.', 'TimeoutError');
    await expect(service.withSpan({ spanName: 'tool.slow', operationType: 'tool_call', userId, signal }, () => Promise.reject(timeout))).rejects.toBe(timeout);
    const broken = new TypeError('fetch failed');
    await expect(service.withSpan({ spanName: 'llm.call', operationType: 'llm_call', userId, signal }, () => Promise.reject(broken))).rejects.toBe(broken);
    const byName = await spans();
    expect(byName['tool.slow']).toMatchObject({ status: 'failed', error_message: 'The operation timed out.' });
    expect(byName['llm.call']).toMatchObject({ status: 'failed', error_message: 'fetch failed' });
  });

  it('cancels every span an abort passes through, up to the root', async () => {
    const { service, spans } = setup();
    const abort = new DOMException('This operation was aborted', 'AbortError');
    const outcome = service.withSpan({ spanName: 'llm.completion', operationType: 'llm_call', userId }, () =>
      service.withSpan({ spanName: 'llm.call', operationType: 'llm_call' }, async () => {
        throw abort;
      }),
    );
    await expect(outcome).rejects.toBe(abort);
    const byName = await spans();
    expect(byName['llm.call'].status).toBe('cancelled');
    expect(byName['llm.completion'].status).toBe('cancelled');
  });
});
