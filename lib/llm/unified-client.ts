import { llmConfig, type LlmConfig } from '@/lib/config/llm.config';
import { calculateCost, priceTable, type PriceTable } from '@/lib/pricing';
import { traceService } from '@llmtrace/sdk';
import { CancelledError, isAbortError, ProviderError } from './errors';
import { createAnthropicProvider } from './providers/anthropic';
import { createDemoProvider, demoPacing, type DemoProviderOptions } from './providers/demo';
import { createOpenAIProvider } from './providers/openai';
import type { ModelProvider, ProviderResult, ReportedUsage } from './providers/provider';
import { estimateUsage } from './tokens';
import type { ModelRequest, ModelResponse, ModelUsage, ProviderName } from './types';

/** The part of the trace service the client uses (the singleton by default). */
export type ModelTracer = Pick<typeof traceService, 'withSpan' | 'update'>;

export interface ModelClientOptions {
  /** Provider settings; default: read from the environment at each call. */
  config?: LlmConfig | (() => LlmConfig);
  tracer?: ModelTracer;
  /** Ready-made adapters that replace the ones built from `config` (tests, custom providers). */
  providers?: Partial<Record<ProviderName, ModelProvider>>;
  /** Demo model pacing; default: its built-in delays. */
  demo?: DemoProviderOptions;
  /**
   * Retries of a retryable failure (429, 5xx, time-out, connection) before any text was
   * streamed. Each attempt is its own `llm.call` span, so retries show in the trace. Default 2.
   */
  maxRetries?: number;
  /** First back-off in ms, doubled per retry; a provider's `retry-after` takes precedence. Default 500. */
  retryBaseDelayMs?: number;
  /** A `retry-after` longer than this fails the call instead of holding the request. Default 10 000. */
  maxRetryDelayMs?: number;
  /** Default: the process's table (shipped prices + PRICING_FILE). */
  prices?: () => PriceTable;
}

export interface ModelClient {
  callModel(request: ModelRequest): Promise<ModelResponse>;
}

/**
 * Builds the adapter for one provider from configuration. Clients are made here, on demand,
 * never at import time from `process.env`.
 */
export function createProvider(name: ProviderName, config: LlmConfig, options: { demo?: DemoProviderOptions } = {}): ModelProvider {
  switch (name) {
    case 'openai':
      if (!config.openai.configured) throw notConfigured('openai', 'set OPENAI_API_KEY, or OPENAI_BASE_URL for an OpenAI-compatible server');
      return createOpenAIProvider({ apiKey: config.openai.apiKey, baseURL: config.openai.baseURL });
    case 'anthropic':
      if (!config.anthropic.configured) throw notConfigured('anthropic', 'set ANTHROPIC_API_KEY');
      return createAnthropicProvider({ apiKey: config.anthropic.apiKey, baseURL: config.anthropic.baseURL });
    case 'demo':
      return createDemoProvider(options.demo ?? demoPacing(config.demo.delayScale));
  }
}

function notConfigured(provider: ProviderName, hint: string): ProviderError {
  return new ProviderError({ provider, code: 'not_configured', message: `The ${provider} provider is not configured: ${hint}.`, retryable: false });
}

/**
 * A model client with its own configuration, tracer and retry policy. Every call runs inside an
 * `llm.call` span (a child of the current span), so no call site can forget to trace.
 *
 * @example
 * const client = createModelClient({ config: readLlmConfig(env), maxRetries: 0 });
 * const reply = await client.callModel({ provider: 'demo', model: 'demo-1', messages });
 */
export function createModelClient(options: ModelClientOptions = {}): ModelClient {
  const tracer = options.tracer ?? traceService;
  const maxRetries = options.maxRetries ?? 2;
  const retryBaseDelayMs = options.retryBaseDelayMs ?? 500;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 10_000;
  const prices = options.prices ?? (() => priceTable());
  const providerCache = new Map<string, ModelProvider>();

  function providerFor(name: ProviderName): ModelProvider {
    const injected = options.providers?.[name];
    if (injected) return injected;
    const config = typeof options.config === 'function' ? options.config() : (options.config ?? llmConfig());
    // One adapter per distinct configuration, so a changed key or URL takes effect.
    const key = JSON.stringify([name, name === 'demo' ? (options.demo ?? config.demo) : config[name]]);
    let provider = providerCache.get(key);
    if (!provider) {
      provider = createProvider(name, config, { demo: options.demo });
      providerCache.set(key, provider);
    }
    return provider;
  }

  /** One round trip in its own `llm.call` span: `cancelled` when the caller aborts, `failed` when the provider fails. */
  async function attempt(request: ModelRequest, attemptNumber: number, onText: () => void): Promise<ModelResponse> {
    try {
      return await tracedAttempt(request, attemptNumber, onText);
    } catch (error) {
      if (isAbortError(error, request.signal) && !(error instanceof CancelledError)) {
        throw new CancelledError('The model call was cancelled.', { cause: error });
      }
      throw error;
    }
  }

  function tracedAttempt(request: ModelRequest, attemptNumber: number, onText: () => void): Promise<ModelResponse> {
    const { messages, tools } = request;
    return tracer.withSpan(
      {
        spanName: 'llm.call',
        operationType: 'llm_call',
        modelName: request.model,
        modelProvider: request.provider,
        // A copy: callers keep appending to their message list, and the span must show what was sent.
        inputData: { messages: [...messages], tools },
        ...(attemptNumber > 1 ? { metadata: { attempt: attemptNumber } } : {}),
        signal: request.signal,
      },
      async (ctx) => {
        const startedAt = performance.now();
        let timeToFirstTokenMs: number | undefined;
        // Kept so a cancelled or failed span still shows what the user saw.
        let partialContent = '';
        let result: ProviderResult;
        try {
          const provider = providerFor(request.provider);
          result = await provider.complete({
            model: request.model,
            messages,
            tools,
            stream: Boolean(request.stream),
            maxTokens: request.maxTokens,
            signal: request.signal,
            onFirstToken: () => {
              timeToFirstTokenMs ??= performance.now() - startedAt;
            },
            onDelta: (text) => {
              partialContent += text;
              onText();
              request.onDelta?.(text);
            },
          });
        } catch (error) {
          // withSpan ends the span cancelled or failed; what the user saw until then stays on it.
          tracer.update(ctx, {
            ...(partialContent ? { outputData: { content: partialContent, partial: true } } : {}),
            ...(request.stream && timeToFirstTokenMs !== undefined ? { timeToFirstTokenMs } : {}),
            ...(error instanceof ProviderError
              ? { metadata: { error_code: error.code, ...(error.status ? { http_status: error.status } : {}), retryable: error.retryable } }
              : {}),
          });
          throw error;
        }

        const usage = resolveUsage(result.usage, request, result);
        const costUsd = priceFor(prices(), [result.model, request.model], usage);
        const ttft = request.stream ? timeToFirstTokenMs : undefined;
        tracer.update(ctx, {
          modelName: result.model,
          inputTokens: usage.inputTokens,
          outputTokens: usage.outputTokens,
          totalTokens: usage.totalTokens,
          cachedInputTokens: usage.cachedInputTokens,
          reasoningTokens: usage.reasoningTokens,
          costUsd,
          timeToFirstTokenMs: ttft,
          outputData: { content: result.content, toolCalls: result.toolCalls },
          metadata: { finish_reason: result.finishReason, ...(usage.estimated ? { usage_estimated: true } : {}) },
        });
        return {
          provider: request.provider,
          model: result.model,
          content: result.content,
          toolCalls: result.toolCalls,
          usage,
          costUsd,
          finishReason: result.finishReason,
          ...(ttft === undefined ? {} : { timeToFirstTokenMs: ttft }),
        };
      },
    );
  }

  return {
    async callModel(request: ModelRequest): Promise<ModelResponse> {
      for (let attemptNumber = 1; ; attemptNumber++) {
        let streamedText = false;
        try {
          return await attempt(request, attemptNumber, () => {
            streamedText = true;
          });
        } catch (error) {
          // A retry after text reached the caller would repeat that text.
          const retryable = error instanceof ProviderError && error.retryable && !streamedText && attemptNumber <= maxRetries;
          if (!retryable) throw error;
          const delay = error.retryAfterMs ?? retryBaseDelayMs * 2 ** (attemptNumber - 1);
          if (delay > maxRetryDelayMs) throw error;
          await sleep(delay, request.signal);
        }
      }
    },
  };
}

/** The provider's usage; what it left out is counted locally and the result marked `estimated`. */
function resolveUsage(reported: ReportedUsage | undefined, request: ModelRequest, result: ProviderResult): ModelUsage {
  let inputTokens = reported?.inputTokens;
  let outputTokens = reported?.outputTokens;
  let estimated = false;
  if (inputTokens === undefined || outputTokens === undefined) {
    const counted = estimateUsage({ messages: request.messages, tools: request.tools, content: result.content, toolCalls: result.toolCalls });
    inputTokens ??= counted.inputTokens;
    outputTokens ??= counted.outputTokens;
    estimated = true;
  }
  return {
    inputTokens,
    outputTokens,
    totalTokens: inputTokens + outputTokens,
    ...(reported?.cachedInputTokens !== undefined ? { cachedInputTokens: reported.cachedInputTokens } : {}),
    ...(reported?.reasoningTokens !== undefined ? { reasoningTokens: reported.reasoningTokens } : {}),
    estimated,
  };
}

/** Cost by the reported model name, else the requested one (compatible servers may report anything). */
function priceFor(table: PriceTable, models: string[], usage: ModelUsage): number | null {
  for (const model of models) {
    const cost = calculateCost({ model, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, cachedInputTokens: usage.cachedInputTokens }, table);
    if (cost !== null) return cost;
  }
  return null;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(new CancelledError('The model call was cancelled.'));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError('The model call was cancelled.'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

let defaultClient: ModelClient | undefined;

/**
 * Calls a model through the process's default client: providers configured from the environment,
 * spans to the `traceService` singleton. Rejects with {@link ProviderError} when the provider
 * fails (span `failed`) and {@link CancelledError} when `request.signal` fires (span `cancelled`).
 *
 * @example
 * const reply = await callModel({ provider: 'openai', model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true, onDelta: write });
 * reply.usage.totalTokens; reply.costUsd; reply.timeToFirstTokenMs;
 */
export function callModel(request: ModelRequest): Promise<ModelResponse> {
  defaultClient ??= createModelClient();
  return defaultClient.callModel(request);
}
