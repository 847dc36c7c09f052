/**
 * The shipped price table: list prices in USD per 1M tokens.
 *
 * `cachedInput` is the rate for input tokens served from the provider's prompt cache (OpenAI
 * "cached input", Anthropic "cache read", Gemini "context caching"). Where a provider lists no
 * cached rate the field is left out and cached tokens are billed at the input rate.
 *
 * Prices are a snapshot of the providers' public price pages for standard (non-batch,
 * non-priority) requests, with the lowest context tier where a provider charges by prompt
 * length (Gemini Pro above 200k tokens costs more). They change: correct or extend them with a
 * `PRICING_FILE` (see `lib/pricing/index.ts`) rather than by editing this file in a deployment.
 *
 * Keys are lowercase. Dated snapshots (`gpt-4o-2024-08-06`) need no key of their own: the
 * matcher strips the date. A dated key is listed only when that snapshot's price differs.
 */

export interface ModelPrice {
  /** USD per 1M input tokens that were not served from a cache. */
  input: number;
  /** USD per 1M output tokens (reasoning tokens included). */
  output: number;
  /** USD per 1M cached input tokens; absent = billed at `input`. */
  cachedInput?: number;
}

export const DEMO_MODEL_PRICE: ModelPrice = { input: 0.5, output: 1.5, cachedInput: 0.05 };

export const MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  // The offline demo model costs nothing to run. This price is NOMINAL, chosen so that demo
  // traces show non-zero costs on the dashboards; it is not a real bill.
  'demo-1': DEMO_MODEL_PRICE,

  // ── OpenAI ──────────────────────────────────────────────────────────────
  'gpt-5.2': { input: 1.75, output: 14, cachedInput: 0.175 },
  'gpt-5.2-chat': { input: 1.75, output: 14, cachedInput: 0.175 },
  'gpt-5.2-pro': { input: 21, output: 168 },
  'gpt-5.1': { input: 1.25, output: 10, cachedInput: 0.125 },
  'gpt-5.1-chat': { input: 1.25, output: 10, cachedInput: 0.125 },
  'gpt-5.1-codex': { input: 1.25, output: 10, cachedInput: 0.125 },
  'gpt-5.1-codex-mini': { input: 0.25, output: 2, cachedInput: 0.025 },
  'gpt-5': { input: 1.25, output: 10, cachedInput: 0.125 },
  'gpt-5-chat': { input: 1.25, output: 10, cachedInput: 0.125 },
  'gpt-5-codex': { input: 1.25, output: 10, cachedInput: 0.125 },
  'gpt-5-mini': { input: 0.25, output: 2, cachedInput: 0.025 },
  'gpt-5-nano': { input: 0.05, output: 0.4, cachedInput: 0.005 },
  'gpt-5-pro': { input: 15, output: 120 },
  'gpt-4.5-preview': { input: 75, output: 150, cachedInput: 37.5 },
  'gpt-4.1': { input: 2, output: 8, cachedInput: 0.5 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6, cachedInput: 0.1 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4, cachedInput: 0.025 },
  'gpt-4o': { input: 2.5, output: 10, cachedInput: 1.25 },
  'gpt-4o-2024-05-13': { input: 5, output: 15 },
  'gpt-4o-mini': { input: 0.15, output: 0.6, cachedInput: 0.075 },
  'chatgpt-4o': { input: 5, output: 15 },
  'o4-mini': { input: 1.1, output: 4.4, cachedInput: 0.275 },
  'o4-mini-deep-research': { input: 2, output: 8, cachedInput: 0.5 },
  'o3': { input: 2, output: 8, cachedInput: 0.5 },
  'o3-pro': { input: 20, output: 80 },
  'o3-mini': { input: 1.1, output: 4.4, cachedInput: 0.55 },
  'o3-deep-research': { input: 10, output: 40, cachedInput: 2.5 },
  'o1': { input: 15, output: 60, cachedInput: 7.5 },
  'o1-preview': { input: 15, output: 60, cachedInput: 7.5 },
  'o1-mini': { input: 1.1, output: 4.4, cachedInput: 0.55 },
  'o1-pro': { input: 150, output: 600 },
  'codex-mini': { input: 1.5, output: 6, cachedInput: 0.375 },
  'gpt-4-turbo': { input: 10, output: 30 },
  'gpt-4-turbo-preview': { input: 10, output: 30 },
  'gpt-4-0125-preview': { input: 10, output: 30 },
  'gpt-4-1106-preview': { input: 10, output: 30 },
  'gpt-4-vision-preview': { input: 10, output: 30 },
  'gpt-4': { input: 30, output: 60 },
  'gpt-4-32k': { input: 60, output: 120 },
  'gpt-3.5-turbo': { input: 0.5, output: 1.5 },
  'gpt-3.5-turbo-1106': { input: 1, output: 2 },
  'gpt-3.5-turbo-16k': { input: 3, output: 4 },

  // ── Anthropic ───────────────────────────────────────────────────────────
  // Cache reads are 0.1 × input. Cache writes (1.25 × input) are billed at the input rate here.
  'claude-opus-4-6': { input: 5, output: 25, cachedInput: 0.5 },
  'claude-sonnet-4-6': { input: 3, output: 15, cachedInput: 0.3 },
  'claude-opus-4-5': { input: 5, output: 25, cachedInput: 0.5 },
  'claude-sonnet-4-5': { input: 3, output: 15, cachedInput: 0.3 },
  'claude-haiku-4-5': { input: 1, output: 5, cachedInput: 0.1 },
  'claude-opus-4-1': { input: 15, output: 75, cachedInput: 1.5 },
  'claude-opus-4-0': { input: 15, output: 75, cachedInput: 1.5 },
  'claude-opus-4': { input: 15, output: 75, cachedInput: 1.5 },
  'claude-sonnet-4-0': { input: 3, output: 15, cachedInput: 0.3 },
  'claude-sonnet-4': { input: 3, output: 15, cachedInput: 0.3 },
  'claude-3-7-sonnet': { input: 3, output: 15, cachedInput: 0.3 },
  'claude-3-5-sonnet': { input: 3, output: 15, cachedInput: 0.3 },
  'claude-3-5-haiku': { input: 0.8, output: 4, cachedInput: 0.08 },
  'claude-3-opus': { input: 15, output: 75, cachedInput: 1.5 },
  'claude-3-sonnet': { input: 3, output: 15, cachedInput: 0.3 },
  'claude-3-haiku': { input: 0.25, output: 1.25, cachedInput: 0.03 },

  // ── Google Gemini (prompts ≤ 200k tokens; ≤ 128k for 1.5) ──────────────
  'gemini-3-pro-preview': { input: 2, output: 12, cachedInput: 0.2 },
  'gemini-3-flash-preview': { input: 0.5, output: 3, cachedInput: 0.05 },
  'gemini-2.5-pro': { input: 1.25, output: 10, cachedInput: 0.125 },
  'gemini-2.5-flash': { input: 0.3, output: 2.5, cachedInput: 0.03 },
  'gemini-2.5-flash-lite': { input: 0.1, output: 0.4, cachedInput: 0.01 },
  'gemini-2.0-flash': { input: 0.1, output: 0.4, cachedInput: 0.025 },
  'gemini-2.0-flash-lite': { input: 0.075, output: 0.3 },
  'gemini-1.5-pro': { input: 1.25, output: 5, cachedInput: 0.3125 },
  'gemini-1.5-flash': { input: 0.075, output: 0.3, cachedInput: 0.01875 },
  'gemini-1.5-flash-8b': { input: 0.0375, output: 0.15, cachedInput: 0.01 },

  // ── Mistral ─────────────────────────────────────────────────────────────
  'mistral-large': { input: 2, output: 6 },
  'mistral-medium': { input: 0.4, output: 2 },
  'mistral-small': { input: 0.1, output: 0.3 },
  'magistral-medium': { input: 2, output: 5 },
  'magistral-small': { input: 0.5, output: 1.5 },
  'codestral': { input: 0.3, output: 0.9 },
  'devstral-medium': { input: 0.4, output: 2 },
  'devstral-small': { input: 0.1, output: 0.3 },
  'pixtral-large': { input: 2, output: 6 },
  'pixtral-12b': { input: 0.15, output: 0.15 },
  'ministral-8b': { input: 0.1, output: 0.1 },
  'ministral-3b': { input: 0.04, output: 0.04 },
  'open-mistral-nemo': { input: 0.15, output: 0.15 },
  'mistral-nemo': { input: 0.15, output: 0.15 },
  // Embeddings: input tokens only.
  'text-embedding-3-small': { input: 0.02, output: 0 },
  'text-embedding-3-large': { input: 0.13, output: 0 },
  'text-embedding-ada-002': { input: 0.1, output: 0 },
  'mistral-embed': { input: 0.1, output: 0 },
  'gemini-embedding-001': { input: 0.15, output: 0 },
};
