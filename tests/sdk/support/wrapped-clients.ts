/**
 * The fake provider servers, and official `openai` and `@anthropic-ai/sdk` clients wrapped with a
 * tracer that writes to memory, for the wrapper tests.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { InMemorySpanSink, TraceService, traceService, wrapAnthropic, wrapOpenAI, type SpanRecord } from '@llmtrace/sdk';
import { startFakeAnthropic, type FakeAnthropic } from '../../fakes/anthropic-server';
import { startFakeOpenAIPlatform, type FakeOpenAIPlatform } from '../../fakes/openai-platform-server';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai-server';

export const TEST_USER_ID = '6f1c2a4e-0d6b-4e4b-9a55-1f3c1b7c9a01';

export interface Fakes {
  chat: FakeOpenAI;
  platform: FakeOpenAIPlatform;
  anthropic: FakeAnthropic;
  close(): Promise<void>;
}

export async function startFakes(): Promise<Fakes> {
  const [chat, platform, anthropic] = await Promise.all([startFakeOpenAI(), startFakeOpenAIPlatform(), startFakeAnthropic()]);
  return { chat, platform, anthropic, close: async () => void (await Promise.all([chat.close(), platform.close(), anthropic.close()])) };
}

export interface Traced {
  service: TraceService;
  sink: InMemorySpanSink;
  /** Chat Completions, on the fake chat server. */
  openai: OpenAI;
  /** Responses and embeddings, on the fake platform server. */
  platform: OpenAI;
  anthropic: Anthropic;
  /** Flushes, then the stored view of every span. */
  spans(): Promise<SpanRecord[]>;
  /** Flushes, then the one span with this name (throws unless there is exactly one). */
  span(name: string): Promise<SpanRecord>;
}

/**
 * New clients, wrapped with a new tracer whose root spans belong to {@link TEST_USER_ID}; or with
 * `service`, which then writes to `sink`.
 */
export function tracedClients(fakes: Fakes, service?: TraceService, sink = new InMemorySpanSink()): Traced {
  const tracer = service ?? new TraceService({ sink, config: { batchSize: 10_000, batchIntervalMs: 60_000, defaultUserId: TEST_USER_ID } });
  if (service) service.setSink(sink);
  // Clients of the default tracer are wrapped as an application would: without options.
  const options = tracer === traceService ? undefined : { traceService: tracer };
  const spans = async () => {
    await tracer.flush();
    return sink.spans();
  };
  return {
    service: tracer,
    sink,
    openai: wrapOpenAI(new OpenAI({ apiKey: 'test', baseURL: fakes.chat.url, maxRetries: 0 }), options),
    platform: wrapOpenAI(new OpenAI({ apiKey: 'test', baseURL: fakes.platform.url, maxRetries: 0 }), options),
    anthropic: wrapAnthropic(new Anthropic({ apiKey: 'test', baseURL: fakes.anthropic.url, maxRetries: 0 }), options),
    spans,
    async span(name) {
      const named = (await spans()).filter((span) => span.span_name === name);
      if (named.length !== 1) throw new Error(`expected one span named ${name}, found ${named.length}`);
      return named[0]!;
    },
  };
}
