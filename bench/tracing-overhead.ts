/**
 * Overhead of a span (start + end, through the batching queue) in LLMTrace's trace service versus
 * the OpenTelemetry JS SDK (BasicTracerProvider + BatchSpanProcessor), measured side by side in
 * one process. Both write to a no-op destination with their default batch settings (ours: batch
 * 10, 1 s, queue 10000; OpenTelemetry: batch 512, 5 s, queue 2048). Each round yields to the event
 * loop every 256 spans so that the background batch writes run (and are paid for) inside the
 * round, and ends with a flush.
 *
 * Run alone: `npx tsx bench/tracing-overhead.ts [spansPerRound]`.
 */
import { pathToFileURL } from 'node:url';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { TraceService } from '@llmtrace/sdk';
import type { SpanSink } from '@llmtrace/sdk';

export interface OverheadSide {
  spansPerSec: number;
  nsPerSpan: number;
}

export interface OverheadResult {
  ours: OverheadSide;
  otel: OverheadSide;
  /** ours.nsPerSpan / otel.nsPerSpan: at most 1 means a span costs us no more than OpenTelemetry. */
  ratio: number;
  spansPerRound: number;
  rounds: number;
  /** Spans our queue dropped during the run (should be 0, or the comparison flatters us). */
  oursDropped: number;
}

export interface OverheadOptions {
  /** Spans per measured round, per library. Default 50000. */
  spans?: number;
  /** Measured rounds per library (the median is kept). Default 7. */
  rounds?: number;
}

const YIELD_EVERY = 256;
const USER_ID = '6f1c2a4e-0d6b-4e4b-9a55-1f3c1b7c9a01';

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function side(nsPerSpan: number): OverheadSide {
  return { nsPerSpan: Math.round(nsPerSpan), spansPerSec: Math.round(1e9 / nsPerSpan) };
}

function ourTracer() {
  const noopSink: SpanSink = { write: () => Promise.resolve() };
  const service = new TraceService({ sink: noopSink });
  return {
    service,
    async round(spans: number): Promise<number> {
      const started = process.hrtime.bigint();
      for (let done = 0; done < spans; ) {
        const stop = Math.min(spans, done + YIELD_EVERY);
        for (; done < stop; done++) {
          const span = await service.startTrace({
            spanName: 'llm.call',
            operationType: 'llm_call',
            userId: USER_ID,
            modelName: 'gpt-4o-mini',
            modelProvider: 'openai',
          });
          await service.endTrace(span, { inputTokens: 100, outputTokens: 20, costUsd: 0.001 });
        }
        await yieldToEventLoop();
      }
      await service.flush();
      return Number(process.hrtime.bigint() - started) / spans;
    },
  };
}

function otelTracer() {
  const noopExporter: SpanExporter = {
    export: (_spans, resultCallback) => resultCallback({ code: 0 }),
    shutdown: () => Promise.resolve(),
  };
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(noopExporter)] });
  const tracer = provider.getTracer('llmtrace-bench');
  return {
    provider,
    async round(spans: number): Promise<number> {
      const started = process.hrtime.bigint();
      for (let done = 0; done < spans; ) {
        const stop = Math.min(spans, done + YIELD_EVERY);
        for (; done < stop; done++) {
          const span = tracer.startSpan('llm.call', {
            attributes: {
              'user.id': USER_ID,
              'gen_ai.operation.name': 'chat',
              'gen_ai.request.model': 'gpt-4o-mini',
              'gen_ai.system': 'openai',
            },
          });
          span.setAttributes({ 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 20, 'llm.cost_usd': 0.001 });
          span.end();
        }
        await yieldToEventLoop();
      }
      await provider.forceFlush();
      return Number(process.hrtime.bigint() - started) / spans;
    },
  };
}

/**
 * Measures span start+end cost of our trace service against the OpenTelemetry SDK in the same
 * run: a warm-up, then alternating rounds; the medians are compared.
 *
 * @example
 * const { ours, otel, ratio } = await benchTracingOverhead({ spans: 20_000 });
 * console.log(ours.nsPerSpan, otel.nsPerSpan, ratio); // ratio ≤ 1: we cost no more per span
 */
export async function benchTracingOverhead(opts: OverheadOptions = {}): Promise<OverheadResult> {
  const spans = Math.max(1000, opts.spans ?? 50_000);
  const rounds = Math.max(1, opts.rounds ?? 7);
  const ours = ourTracer();
  const otel = otelTracer();

  for (let i = 0; i < 3; i++) {
    await ours.round(Math.ceil(spans / 2));
    await otel.round(Math.ceil(spans / 2));
  }

  const oursNs: number[] = [];
  const otelNs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // Alternate who goes first so that neither always runs on a warmer (or dirtier) heap.
    if (i % 2 === 0) {
      oursNs.push(await ours.round(spans));
      otelNs.push(await otel.round(spans));
    } else {
      otelNs.push(await otel.round(spans));
      oursNs.push(await ours.round(spans));
    }
  }

  const oursDropped = ours.service.stats().dropped;
  await ours.service.shutdown();
  await otel.provider.shutdown();

  const oursMedian = median(oursNs);
  const otelMedian = median(otelNs);
  return {
    ours: side(oursMedian),
    otel: side(otelMedian),
    ratio: Math.round((oursMedian / otelMedian) * 1000) / 1000,
    spansPerRound: spans,
    rounds,
    oursDropped,
  };
}

function printTable(result: OverheadResult): void {
  const rows: Array<[string, OverheadSide]> = [
    ['llmtrace TraceService', result.ours],
    ['OpenTelemetry SDK (BatchSpanProcessor)', result.otel],
  ];
  const format = (value: number) => value.toLocaleString('en-US');
  console.log(`span start+end, median of ${result.rounds} rounds × ${format(result.spansPerRound)} spans`);
  console.log(`${'tracer'.padEnd(40)}${'spans/s'.padStart(14)}${'ns/span'.padStart(10)}`);
  for (const [name, values] of rows) {
    console.log(`${name.padEnd(40)}${format(values.spansPerSec).padStart(14)}${format(values.nsPerSpan).padStart(10)}`);
  }
  console.log(`ratio (ours / OpenTelemetry, ns per span): ${result.ratio}  (≤ 1 = target met)`);
  if (result.oursDropped > 0) console.log(`warning: our queue dropped ${result.oursDropped} spans during the run`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const spans = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
  benchTracingOverhead({ spans }).then(printTable, (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
