import type { ProviderName } from '@/lib/llm/types';

/** Model providers and the tools' external services, read from the environment. */
export interface LlmConfig {
  openai: {
    /** OPENAI_API_KEY. */
    apiKey?: string;
    /** OPENAI_BASE_URL: any OpenAI-compatible server (vLLM, Ollama, LM Studio, llama.cpp…). */
    baseURL?: string;
    /** True when a key or a base URL is set. */
    configured: boolean;
  };
  anthropic: {
    /** ANTHROPIC_API_KEY. */
    apiKey?: string;
    /** ANTHROPIC_BASE_URL. */
    baseURL?: string;
    /** True when a key is set. */
    configured: boolean;
  };
  /**
   * DEFAULT_PROVIDER; else `openai` when OPENAI_API_KEY or OPENAI_BASE_URL is set; else `anthropic`
   * when ANTHROPIC_API_KEY is set; else `demo`.
   */
  defaultProvider: ProviderName;
  /** Model used when a request names none: DEFAULT_MODEL for the default provider, else its own default. */
  defaultModels: Record<ProviderName, string>;
  /** WEB_SEARCH_URL: base URL of a SearXNG instance; the `web_search` tool is offered only when set. */
  webSearchUrl?: string;
  demo: {
    /** DEMO_DELAY_SCALE: multiplies the demo model's simulated latency; 0 = instant (test suites). Default 1. */
    delayScale: number;
  };
}

/** Each provider's model when neither the request nor DEFAULT_MODEL names one. */
export const PROVIDER_DEFAULT_MODELS: Readonly<Record<ProviderName, string>> = {
  openai: 'gpt-4o-mini',
  anthropic: 'claude-sonnet-4-6',
  demo: 'demo-1',
};

const PROVIDER_NAMES: readonly ProviderName[] = ['openai', 'anthropic', 'demo'];

/** A variable holds a value we cannot use (e.g. an unknown DEFAULT_PROVIDER). */
export class LlmConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LlmConfigError';
  }
}

export function isProviderName(value: string): value is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(value);
}

/**
 * Reads the model configuration from `env` (a pure function of it). Throws {@link LlmConfigError}
 * when DEFAULT_PROVIDER names no provider.
 *
 * @example
 * readLlmConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' }).defaultProvider // 'openai'
 */
export function readLlmConfig(env: Readonly<Record<string, string | undefined>> = process.env): LlmConfig {
  const openaiKey = nonEmpty(env.OPENAI_API_KEY);
  const openaiBaseURL = nonEmpty(env.OPENAI_BASE_URL);
  const anthropicKey = nonEmpty(env.ANTHROPIC_API_KEY);
  const anthropicBaseURL = nonEmpty(env.ANTHROPIC_BASE_URL);

  const openai = { apiKey: openaiKey, baseURL: openaiBaseURL, configured: Boolean(openaiKey || openaiBaseURL) };
  const anthropic = { apiKey: anthropicKey, baseURL: anthropicBaseURL, configured: Boolean(anthropicKey) };

  const requested = nonEmpty(env.DEFAULT_PROVIDER)?.toLowerCase();
  if (requested && !isProviderName(requested)) {
    throw new LlmConfigError(`DEFAULT_PROVIDER must be one of ${PROVIDER_NAMES.join(', ')} (got "${env.DEFAULT_PROVIDER}").`);
  }
  const defaultProvider: ProviderName =
    (requested as ProviderName | undefined) ?? (openai.configured ? 'openai' : anthropic.configured ? 'anthropic' : 'demo');

  const defaultModels = { ...PROVIDER_DEFAULT_MODELS };
  const defaultModel = nonEmpty(env.DEFAULT_MODEL);
  if (defaultModel) defaultModels[defaultProvider] = defaultModel;

  const delayScale = Number(nonEmpty(env.DEMO_DELAY_SCALE) ?? 1);
  return {
    openai,
    anthropic,
    defaultProvider,
    defaultModels,
    webSearchUrl: nonEmpty(env.WEB_SEARCH_URL),
    demo: { delayScale: Number.isFinite(delayScale) && delayScale >= 0 ? delayScale : 1 },
  };
}

/** The configuration of this process, read from `process.env` at each call (cheap, and tests may change it). */
export function llmConfig(): LlmConfig {
  return readLlmConfig(process.env);
}

export interface ProviderInfo {
  name: ProviderName;
  label: string;
  /** A request may name this provider (the demo always can). */
  available: boolean;
  isDefault: boolean;
  defaultModel: string;
  /** e.g. "offline demo model" or the OpenAI-compatible base URL in use. */
  note?: string;
}

/**
 * The providers for the UI's picker, default first among the available ones.
 *
 * @example
 * availableProviders().filter((p) => p.available).map((p) => p.name) // ['demo'] on a fresh install
 */
export function availableProviders(config: LlmConfig = llmConfig()): ProviderInfo[] {
  const infos: ProviderInfo[] = [
    {
      name: 'openai',
      label: config.openai.baseURL ? 'OpenAI-compatible' : 'OpenAI',
      available: config.openai.configured,
      isDefault: config.defaultProvider === 'openai',
      defaultModel: config.defaultModels.openai,
      note: config.openai.baseURL,
    },
    {
      name: 'anthropic',
      label: 'Anthropic',
      available: config.anthropic.configured,
      isDefault: config.defaultProvider === 'anthropic',
      defaultModel: config.defaultModels.anthropic,
    },
    {
      name: 'demo',
      label: 'Demo (offline)',
      available: true,
      isDefault: config.defaultProvider === 'demo',
      defaultModel: config.defaultModels.demo,
      note: 'offline demo model: canned answers, nominal prices',
    },
  ];
  return infos.sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
