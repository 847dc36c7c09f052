import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MODEL_PRICES, type ModelPrice } from './prices';

export type { ModelPrice } from './prices';
export { MODEL_PRICES, DEMO_MODEL_PRICE } from './prices';

/** Lowercase model name → price. */
export type PriceTable = ReadonlyMap<string, ModelPrice>;

/** How a model name found its price; `key` is the table entry that matched. */
export interface PriceMatch {
  key: string;
  price: ModelPrice;
  rule: 'exact' | 'date_suffix' | 'prefix';
}

/** `PRICING_FILE` could not be read or does not have the documented shape. */
export class PricingFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PricingFileError';
  }
}

const usdPerMillion = z.number().finite().nonnegative();

const pricingFileSchema = z.object({
  models: z.record(
    z.string().trim().min(1),
    z.strictObject({ input: usdPerMillion, output: usdPerMillion, cachedInput: usdPerMillion.optional() }),
  ),
});

/**
 * Snapshot suffixes that do not change a model's price: `-2024-08-06`, `-20241022`,
 * `@20240620` (Vertex AI), `-latest`, and OpenAI's / Mistral's short `-0613` / `-2411` and
 * Gemini's `-001` revisions.
 */
const SNAPSHOT_SUFFIX = /(?:-\d{4}-\d{2}-\d{2}|-\d{8}|@\d{8}|-latest|-\d{3,4})$/;

/** Characters that may follow a known name for a prefix match (`gpt-4o` + `-audio-preview`). */
const PREFIX_BOUNDARY = new Set(['-', ':', '@', '/', '_']);

/**
 * What follows a prefix must not be a version number: `claude-opus-4-7` is a different model from
 * `claude-opus-4` (at a different price), and an unknown model is better unpriced than mispriced.
 */
const VERSION_AFTER_PREFIX = /^-\d{1,2}(?:$|[-.:@_])/;

/**
 * Builds a price table from the shipped prices plus `overrides`, which replace or add entries.
 *
 * @example
 * const table = buildPriceTable({ 'my-finetune': { input: 3, output: 12 } });
 */
export function buildPriceTable(overrides: Record<string, ModelPrice> = {}): PriceTable {
  const table = new Map<string, ModelPrice>();
  for (const [name, price] of Object.entries(MODEL_PRICES)) table.set(name.toLowerCase(), price);
  for (const [name, price] of Object.entries(overrides)) table.set(name.trim().toLowerCase(), price);
  return table;
}

/**
 * Reads and validates a pricing file: `{ "models": { "<name>": { "input", "output", "cachedInput"? } } }`,
 * USD per 1M tokens. Throws {@link PricingFileError} naming the file and every invalid field.
 */
export function loadPricingFile(path: string): Record<string, ModelPrice> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PricingFileError(`PRICING_FILE ${path} could not be read: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PricingFileError(`PRICING_FILE ${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = pricingFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new PricingFileError(
      `PRICING_FILE ${path} is invalid (expected {"models":{"<model>":{"input":n,"output":n,"cachedInput"?:n}}}, USD per 1M tokens): ${problems.join('; ')}`,
    );
  }
  return parsed.data.models;
}

let defaultTable: { table?: PriceTable; error?: PricingFileError } | undefined;

/**
 * The process's price table: the shipped prices, extended or overridden by `PRICING_FILE` when set.
 * Loaded on first use and kept. An invalid file throws {@link PricingFileError} on every call, so a
 * typo is never silently replaced by the shipped prices; call this once at start-up to fail fast.
 */
export function priceTable(env: Readonly<Record<string, string | undefined>> = process.env): PriceTable {
  if (!defaultTable) {
    const file = env.PRICING_FILE?.trim();
    try {
      defaultTable = { table: buildPriceTable(file ? loadPricingFile(file) : {}) };
    } catch (error) {
      if (!(error instanceof PricingFileError)) throw error;
      defaultTable = { error };
    }
  }
  if (defaultTable.error) throw defaultTable.error;
  return defaultTable.table!;
}

/** Forgets the loaded table; the next {@link priceTable} call reads `PRICING_FILE` again. */
export function resetPriceTable(): void {
  defaultTable = undefined;
}

/**
 * Finds the price entry for a model name, trying in order:
 * 1. the exact name (case-insensitive);
 * 2. the name without its snapshot suffix (`gpt-4o-2024-08-06` → `gpt-4o`,
 *    `claude-3-5-sonnet@20240620`, `claude-3-5-haiku-latest`);
 * 3. the longest known name that is a prefix of it, followed by `-`, `:`, `@`, `/` or `_` but not
 *    by a version number (`gpt-4o-search-preview` → `gpt-4o`; `claude-opus-4-7` ↛ `claude-opus-4`).
 *
 * @example
 * matchModelPrice('gpt-4o-mini-2024-07-18') // { key: 'gpt-4o-mini', rule: 'date_suffix', price: … }
 */
export function matchModelPrice(model: string, table: PriceTable = priceTable()): PriceMatch | null {
  const name = model.trim().toLowerCase();
  if (!name) return null;

  const exact = table.get(name);
  if (exact) return { key: name, price: exact, rule: 'exact' };

  const base = name.replace(SNAPSHOT_SUFFIX, '');
  if (base !== name && base) {
    const dated = table.get(base);
    if (dated) return { key: base, price: dated, rule: 'date_suffix' };
  }

  let best: PriceMatch | null = null;
  for (const [key, price] of table) {
    if (key.length >= base.length || !base.startsWith(key)) continue;
    if (!PREFIX_BOUNDARY.has(base[key.length])) continue;
    if (VERSION_AFTER_PREFIX.test(base.slice(key.length))) continue;
    if (!best || key.length > best.key.length) best = { key, price, rule: 'prefix' };
  }
  return best;
}

/** The price of a model per 1M tokens, or null when it is unpriced. See {@link matchModelPrice}. */
export function findModelPrice(model: string, table: PriceTable = priceTable()): ModelPrice | null {
  return matchModelPrice(model, table)?.price ?? null;
}

export interface CostInput {
  model: string;
  /** All input tokens, cached ones included. */
  inputTokens: number;
  outputTokens: number;
  /** The part of `inputTokens` served from the prompt cache, billed at the cached rate. */
  cachedInputTokens?: number;
}

/**
 * Cost in USD of one model call, or null when the model is unpriced (never a made-up 0).
 *
 * @example
 * calculateCost({ model: 'gpt-4o', inputTokens: 1000, cachedInputTokens: 400, outputTokens: 200 })
 * // (600 × 2.50 + 400 × 1.25 + 200 × 10) / 1e6 = 0.004
 */
export function calculateCost(input: CostInput, table: PriceTable = priceTable()): number | null {
  const price = findModelPrice(input.model, table);
  if (!price) return null;
  const inputTokens = tokenCount(input.inputTokens);
  const cached = Math.min(tokenCount(input.cachedInputTokens), inputTokens);
  const cost =
    (inputTokens - cached) * price.input +
    cached * (price.cachedInput ?? price.input) +
    tokenCount(input.outputTokens) * price.output;
  // Round away floating-point noise (1e-12 USD is far below any bill's precision).
  return Math.round(cost * 1e6) / 1e12;
}

function tokenCount(value: number | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
