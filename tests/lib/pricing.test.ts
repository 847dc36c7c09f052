import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  buildPriceTable,
  calculateCost,
  findModelPrice,
  loadPricingFile,
  matchModelPrice,
  MODEL_PRICES,
  priceTable,
  PricingFileError,
  resetPriceTable,
} from '@/lib/pricing';

const shipped = buildPriceTable();
const dir = mkdtempSync(join(tmpdir(), 'llmtrace-pricing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeJson(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** ±1% of the expected value, as DESIGN.md §7 requires. */
function expectWithinOnePercent(actual: number | null, expected: number) {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(expected * 0.01);
}

describe('calculateCost', () => {
  it('is tokens × price per million for input and output', () => {
    // gpt-4o: $2.50 in, $10 out per 1M.
    expectWithinOnePercent(calculateCost({ model: 'gpt-4o', inputTokens: 1000, outputTokens: 500 }, shipped), 0.0075);
    // claude-sonnet-4-5: $3 in, $15 out.
    expectWithinOnePercent(calculateCost({ model: 'claude-sonnet-4-5', inputTokens: 120_000, outputTokens: 2_000 }, shipped), 0.39);
  });

  it('bills cached input tokens at the cached rate, as part of the input', () => {
    // 600 uncached × 2.50 + 400 cached × 1.25 + 200 out × 10 = 4000 µ$ per 1M.
    const cost = calculateCost({ model: 'gpt-4o', inputTokens: 1000, cachedInputTokens: 400, outputTokens: 200 }, shipped);
    expectWithinOnePercent(cost, 0.004);
    const uncached = calculateCost({ model: 'gpt-4o', inputTokens: 1000, outputTokens: 200 }, shipped)!;
    expect(cost!).toBeLessThan(uncached);
  });

  it('bills cached tokens at the input rate when the model lists no cached price', () => {
    expect(MODEL_PRICES['mistral-large'].cachedInput).toBeUndefined();
    const withCache = calculateCost({ model: 'mistral-large', inputTokens: 1000, cachedInputTokens: 500, outputTokens: 0 }, shipped);
    expectWithinOnePercent(withCache, 0.002);
  });

  it('never counts more cached tokens than input tokens', () => {
    const cost = calculateCost({ model: 'gpt-4o', inputTokens: 100, cachedInputTokens: 500, outputTokens: 0 }, shipped);
    expectWithinOnePercent(cost, (100 * 1.25) / 1e6);
  });

  it('returns null, never 0, for an unpriced model', () => {
    expect(calculateCost({ model: 'llama3.1:8b', inputTokens: 1000, outputTokens: 1000 }, shipped)).toBeNull();
    expect(calculateCost({ model: 'my-private-model', inputTokens: 0, outputTokens: 0 }, shipped)).toBeNull();
  });

  it('prices the demo model at a nominal, non-zero price so dashboards show cost', () => {
    expect(calculateCost({ model: 'demo-1', inputTokens: 1000, outputTokens: 1000 }, shipped)).toBeGreaterThan(0);
  });

  it('costs 0 for a priced model that used no tokens', () => {
    expect(calculateCost({ model: 'gpt-4o', inputTokens: 0, outputTokens: 0 }, shipped)).toBe(0);
  });
});

describe('matchModelPrice', () => {
  it('matches the exact name first, case-insensitively', () => {
    expect(matchModelPrice('gpt-4o-mini', shipped)).toMatchObject({ key: 'gpt-4o-mini', rule: 'exact' });
    expect(matchModelPrice('GPT-4o-Mini', shipped)).toMatchObject({ key: 'gpt-4o-mini', rule: 'exact' });
  });

  it('prefers a dated entry with its own price over the undated one', () => {
    expect(findModelPrice('gpt-4o-2024-05-13', shipped)).toEqual({ input: 5, output: 15 });
  });

  it.each([
    ['gpt-4o-2024-08-06', 'gpt-4o'],
    ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['claude-3-5-sonnet-20241022', 'claude-3-5-sonnet'],
    ['claude-3-5-sonnet@20240620', 'claude-3-5-sonnet'],
    ['claude-3-5-haiku-latest', 'claude-3-5-haiku'],
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['gpt-4-0613', 'gpt-4'],
    ['gemini-1.5-pro-002', 'gemini-1.5-pro'],
    ['mistral-large-2411', 'mistral-large'],
  ])('strips the snapshot suffix of %s', (model, key) => {
    expect(matchModelPrice(model, shipped)).toMatchObject({ key, rule: 'date_suffix' });
  });

  it.each([
    ['gpt-4o-search-preview', 'gpt-4o'],
    ['gpt-4o-mini-audio-preview-2024-12-17', 'gpt-4o-mini'],
    ['claude-3-5-sonnet-v2@20241022', 'claude-3-5-sonnet'],
    ['gemini-2.5-flash-preview-05-20', 'gemini-2.5-flash'],
    ['gemini-2.5-flash-lite-preview-06-17', 'gemini-2.5-flash-lite'],
  ])('falls back to the longest known prefix for %s', (model, key) => {
    expect(matchModelPrice(model, shipped)).toMatchObject({ key, rule: 'prefix' });
  });

  it('does not price a newer version with an older one', () => {
    // claude-opus-4 costs $15/$75; a hypothetical claude-opus-4-9 must stay unpriced, not inherit it.
    expect(matchModelPrice('claude-opus-4-9', shipped)).toBeNull();
    // "gpt-4" is not a prefix of "gpt-4.7" at a name boundary.
    expect(matchModelPrice('gpt-4.7', shipped)).toBeNull();
  });

  it('finds nothing for unknown names', () => {
    expect(matchModelPrice('', shipped)).toBeNull();
    expect(matchModelPrice('qwen2.5-coder:7b', shipped)).toBeNull();
  });
});

describe('the shipped table', () => {
  it('has sane prices: finite, non-negative, cached ≤ input', () => {
    for (const [name, price] of Object.entries(MODEL_PRICES)) {
      expect(name, name).toBe(name.toLowerCase());
      for (const value of [price.input, price.output, price.cachedInput ?? 0]) {
        expect(Number.isFinite(value) && value >= 0, name).toBe(true);
      }
      if (price.cachedInput !== undefined) expect(price.cachedInput, name).toBeLessThanOrEqual(price.input);
    }
  });

  it('covers OpenAI, Anthropic, Google and Mistral models', () => {
    for (const model of ['gpt-4o', 'gpt-4.1-mini', 'o3-mini', 'gpt-5', 'claude-opus-4-1', 'claude-3-haiku-20240307', 'gemini-2.5-pro', 'gemini-2.0-flash', 'mistral-small-latest']) {
      expect(findModelPrice(model, shipped), model).not.toBeNull();
    }
  });
});

describe('PRICING_FILE', () => {
  afterEach(() => resetPriceTable());

  it('overrides shipped prices and adds new models', () => {
    const path = writeJson(
      'override.json',
      JSON.stringify({ models: { 'gpt-4o': { input: 1, output: 2, cachedInput: 0.5 }, 'acme-large': { input: 4, output: 8 } } }),
    );
    const table = buildPriceTable(loadPricingFile(path));
    expectWithinOnePercent(calculateCost({ model: 'gpt-4o-2024-08-06', inputTokens: 1_000_000, outputTokens: 1_000_000 }, table), 3);
    expectWithinOnePercent(calculateCost({ model: 'acme-large', inputTokens: 500_000, outputTokens: 0 }, table), 2);
    // Untouched entries keep their shipped price.
    expect(findModelPrice('claude-3-haiku', table)).toEqual(MODEL_PRICES['claude-3-haiku']);
  });

  it('is read from the environment once, by priceTable()', () => {
    const path = writeJson('env.json', JSON.stringify({ models: { 'house-model': { input: 10, output: 10 } } }));
    const table = priceTable({ PRICING_FILE: path });
    expect(findModelPrice('house-model', table)).toEqual({ input: 10, output: 10 });
    // Loaded once: a different environment is ignored until resetPriceTable().
    expect(priceTable({})).toBe(table);
    resetPriceTable();
    expect(findModelPrice('house-model', priceTable({}))).toBeNull();
  });

  it('rejects a file with invalid fields, naming the file and the field', () => {
    const path = writeJson('bad.json', JSON.stringify({ models: { 'gpt-4o': { input: 'cheap', output: 2 } } }));
    expect(() => loadPricingFile(path)).toThrow(PricingFileError);
    expect(() => loadPricingFile(path)).toThrow(/bad\.json.*models\.gpt-4o\.input/);
  });

  it('rejects unknown price fields, negative prices, invalid JSON and a missing file', () => {
    const typo = writeJson('typo.json', JSON.stringify({ models: { m: { input: 1, output: 1, cached_input: 0.1 } } }));
    expect(() => loadPricingFile(typo)).toThrow(/cached_input/);
    const negative = writeJson('negative.json', JSON.stringify({ models: { m: { input: -1, output: 1 } } }));
    expect(() => loadPricingFile(negative)).toThrow(PricingFileError);
    const broken = writeJson('broken.json', '{ "models": ');
    expect(() => loadPricingFile(broken)).toThrow(/not valid JSON/);
    expect(() => loadPricingFile(join(dir, 'missing.json'))).toThrow(/could not be read/);
  });

  it('keeps failing with the same clear error while the file is invalid', () => {
    const path = writeJson('invalid-env.json', JSON.stringify({ prices: {} }));
    expect(() => priceTable({ PRICING_FILE: path })).toThrow(/invalid-env\.json.*models/);
    expect(() => priceTable({})).toThrow(PricingFileError);
  });
});
