/**
 * Overhead of a span (start + end, through the batching queue) in LLMTrace's trace service versus
 * the OpenTelemetry JS SDK (BasicTracerProvider + BatchSpanProcessor), measured side by side in
 * one process. Both write to a no-op destination with their default batch settings (ours: batch
 * 10, 1 s, queue 10000; OpenTelemetry: batch 512, 5 s, queue 2048). Each round yields to the event
 * loop every 256 spans so that the background batch writes run (and are paid for) inside the
 * round, and ends with a flush. After a warm-up, at least 5 runs follow, each one round of ours
 * and one of OpenTelemetry back to back (alternating who goes first); every run yields its own
 * ratio, and the median and range of those ratios are reported.
 *
 * Run alone: `npx tsx --conditions=react-server bench/tracing-overhead.ts [spansPerRound] [runs]`.
 */
import { pathToFileURL } from 'node:url';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { TraceService } from '@llmtrace/sdk';
import type { SpanSink } from '@llmtrace/sdk';

export interface OverheadSide {
  spansPerSec: number;
  nsPerSpan: number;
}

/** One measured run: a round of ours and a round of OpenTelemetry, back to back, same size. */
export interface OverheadRun {
  /** Who went first in this run (alternates, so neither always runs on the warmer heap). */
  first: 'ours' | 'otel';
  oursNsPerSpan: number;
  otelNsPerSpan: number;
  /** oursNsPerSpan / otelNsPerSpan of this run. */
  ratio: number;
}

export interface OverheadResult {
  /** Median ns per span of our rounds. */
  ours: OverheadSide;
  /** Median ns per span of OpenTelemetry's rounds. */
  otel: OverheadSide;
  /** Every run, in order. */
  runs: OverheadRun[];
  /** The per-run ratios, in run order (same as `runs[i].ratio`). */
  ratios: number[];
  /** Median of the per-run ratios: at most 1 means a span costs us no more than OpenTelemetry. */
  ratio: number;
  /** Smallest and largest per-run ratio: the spread across runs. */
  ratioMin: number;
  ratioMax: number;
  spansPerRound: number;
  /** Measured runs (each one round per library). */
  rounds: number;
  /** Spans our queue dropped during the run (should be 0, or the comparison flatters us). */
  oursDropped: number;
}

export interface OverheadOptions {
  /** Spans per measured round, per library. Default 50000. */
  spans?: number;
  /** Measured runs, each one round per library in alternating order. Default 9, at least 5. */
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

const round3 = (value: number) => Math.round(value * 1000) / 1000;

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
 * process: a warm-up, then `rounds` runs, each a round of ours and a round of OpenTelemetry back
 * to back (who goes first alternates). Each run gives its own ratio; the median and the range of
 * those ratios are reported, so one noisy round cannot decide the result.
 *
 * @example
 * const { ratios, ratio, ratioMin, ratioMax } = await benchTracingOverhead({ spans: 20_000, rounds: 5 });
 * console.log(ratios, ratio, ratioMin, ratioMax); // ratio (the median) ≤ 1: we cost no more per span
 */
export async function benchTracingOverhead(opts: OverheadOptions = {}): Promise<OverheadResult> {
  const spans = Math.max(1000, opts.spans ?? 50_000);
  const rounds = Math.max(5, opts.rounds ?? 9);
  const ours = ourTracer();
  const otel = otelTracer();

  for (let i = 0; i < 3; i++) {
    await ours.round(Math.ceil(spans / 2));
    await otel.round(Math.ceil(spans / 2));
  }

  const runs: OverheadRun[] = [];
  for (let i = 0; i < rounds; i++) {
    // Alternate who goes first so that neither always runs on a warmer (or dirtier) heap.
    const first = i % 2 === 0 ? 'ours' : 'otel';
    let oursNs: number;
    let otelNs: number;
    if (first === 'ours') {
      oursNs = await ours.round(spans);
      otelNs = await otel.round(spans);
    } else {
      otelNs = await otel.round(spans);
      oursNs = await ours.round(spans);
    }
    runs.push({ first, oursNsPerSpan: Math.round(oursNs), otelNsPerSpan: Math.round(otelNs), ratio: round3(oursNs / otelNs) });
  }

  const oursDropped = ours.service.stats().dropped;
  await ours.service.shutdown();
  await otel.provider.shutdown();

  const ratios = runs.map((run) => run.ratio);
  return {
    ours: side(median(runs.map((run) => run.oursNsPerSpan))),
    otel: side(median(runs.map((run) => run.otelNsPerSpan))),
    runs,
    ratios,
    ratio: round3(median(ratios)),
    ratioMin: Math.min(...ratios),
    ratioMax: Math.max(...ratios),
    spansPerRound: spans,
    rounds,
    oursDropped,
  };
}

function printTable(result: OverheadResult): void {
  const format = (value: number) => value.toLocaleString('en-US');
  console.log(`span start+end, ${result.rounds} alternating runs × ${format(result.spansPerRound)} spans per library`);
  console.log(`${'run'.padEnd(5)}${'first'.padEnd(7)}${'ours ns/span'.padStart(14)}${'otel ns/span'.padStart(14)}${'ratio'.padStart(8)}`);
  result.runs.forEach((run, index) => {
    console.log(
      `${String(index + 1).padEnd(5)}${run.first.padEnd(7)}${format(run.oursNsPerSpan).padStart(14)}` +
        `${format(run.otelNsPerSpan).padStart(14)}${run.ratio.toFixed(3).padStart(8)}`,
    );
  });
  console.log(
    `median ns/span: ours ${format(result.ours.nsPerSpan)} (${format(result.ours.spansPerSec)} spans/s), ` +
      `OpenTelemetry ${format(result.otel.nsPerSpan)} (${format(result.otel.spansPerSec)} spans/s)`,
  );
  console.log(
    `ratio (ours / OpenTelemetry, ns per span): median ${result.ratio.toFixed(3)}, ` +
      `range ${result.ratioMin.toFixed(3)}–${result.ratioMax.toFixed(3)}  (median ≤ 1 = target met)`,
  );
  console.log(`ratios: ${result.ratios.map((ratio) => ratio.toFixed(3)).join(' ')}`);
  if (result.oursDropped > 0) console.log(`warning: our queue dropped ${result.oursDropped} spans during the run`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const spans = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
  const rounds = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  benchTracingOverhead({ spans, rounds }).then(printTable, (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
