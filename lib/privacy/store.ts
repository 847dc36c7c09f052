import 'server-only';
import type { Database, Queryable } from '@/lib/db/client';
import type { SpanRow } from '@/lib/trace-store/columns';
import { createMasker, DETECTORS, maskSpanFields, type DetectorName, type Masker } from '@llmtrace/sdk/mask';
import { DEFAULT_PRIVACY_SETTINGS, MAX_RETENTION_DAYS, type PrivacySettings } from './settings';

/**
 * How long a process reuses an account's settings before reading them again. A change saved
 * through this process applies at once (the entry is dropped); one saved through another process
 * sharing the database applies there within this time, so spans ingested meanwhile use the old
 * rules. Reading the settings on every batch would cost a query per ingest request.
 */
export const SETTINGS_CACHE_TTL_MS = 5_000;

interface AccountPrivacy {
  settings: PrivacySettings;
  /** Null when the account masks nothing. */
  masker: Masker | null;
}

interface CacheEntry {
  expires: number;
  value: Promise<AccountPrivacy>;
}

/** Entries at most, per database; expired ones are swept when it is full. */
const CACHE_LIMIT = 10_000;

// On globalThis, like the app context: every route bundle of the Next.js server shares one cache,
// so a PUT through the settings route is seen at once by the ingest routes. Keyed by database too
// (tests open several in one process).
const CACHE_KEY = Symbol.for('llmtrace.privacySettingsCache');
const caches: WeakMap<object, Map<string, CacheEntry>> = ((globalThis as Record<symbol, WeakMap<object, Map<string, CacheEntry>>>)[CACHE_KEY] ??= new WeakMap());

function cacheOf(database: Database): Map<string, CacheEntry> {
  let cache = caches.get(database);
  if (!cache) caches.set(database, (cache = new Map()));
  return cache;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Settings as stored, read leniently: they were validated when saved, and a part that no longer
 * reads (an unknown detector, a pattern the engine now refuses) is dropped alone rather than
 * turning all masking off.
 */
function fromRow(row: { masking: unknown; sampling: unknown; retention_days: number | null }): PrivacySettings {
  const masking = isObject(row.masking) ? row.masking : {};
  const sampling = isObject(row.sampling) ? row.sampling : {};
  const defaults = DEFAULT_PRIVACY_SETTINGS;
  const detectors = Array.isArray(masking.detectors) ? DETECTORS.filter((name) => (masking.detectors as unknown[]).includes(name)) : [];
  const custom = Array.isArray(masking.custom)
    ? masking.custom.filter((c): c is { pattern: string; replacement: string } => isObject(c) && typeof c.pattern === 'string' && typeof c.replacement === 'string')
    : [];
  const rate = Number(sampling.successRate);
  const slow = sampling.slowMs;
  const days = row.retention_days;
  return {
    masking: {
      detectors: detectors as DetectorName[],
      custom: custom.map(({ pattern, replacement }) => ({ pattern, replacement })),
      spanNames: masking.spanNames === true,
    },
    sampling: {
      successRate: Number.isFinite(rate) && rate >= 0 && rate <= 1 ? rate : defaults.sampling.successRate,
      keepFailed: sampling.keepFailed !== false,
      slowMs: typeof slow === 'number' && Number.isInteger(slow) && slow > 0 ? slow : null,
    },
    retentionDays: typeof days === 'number' && days >= 1 && days <= MAX_RETENTION_DAYS ? days : null,
  };
}

/** The account's settings as saved, or the defaults. */
export async function readPrivacySettings(database: Queryable, { userId }: { userId: string }): Promise<PrivacySettings> {
  const [row] = await database.query<{ masking: unknown; sampling: unknown; retention_days: number | null }>(
    'SELECT masking, sampling, retention_days FROM account_settings WHERE user_id = $1',
    [userId],
  );
  return row ? fromRow(row) : structuredClone(DEFAULT_PRIVACY_SETTINGS);
}

/** Replaces the account's settings (already validated by `PrivacySettingsBody`); this process applies them at once. */
export async function savePrivacySettings(database: Database, { userId, settings }: { userId: string; settings: PrivacySettings }): Promise<PrivacySettings> {
  await database.query(
    `INSERT INTO account_settings (user_id, masking, sampling, retention_days, updated_at)
     VALUES ($1, $2::jsonb, $3::jsonb, $4, now())
     ON CONFLICT (user_id) DO UPDATE SET masking = EXCLUDED.masking, sampling = EXCLUDED.sampling,
       retention_days = EXCLUDED.retention_days, updated_at = EXCLUDED.updated_at`,
    [userId, JSON.stringify(settings.masking), JSON.stringify(settings.sampling), settings.retentionDays],
  );
  cacheOf(database).delete(userId);
  return readPrivacySettings(database, { userId });
}

/** The account's settings and compiled masker, from the cache when read less than {@link SETTINGS_CACHE_TTL_MS} ago. */
export function accountPrivacy(database: Database, userId: string): Promise<AccountPrivacy> {
  const cache = cacheOf(database);
  const now = Date.now();
  const cached = cache.get(userId);
  if (cached && cached.expires > now) return cached.value;
  if (cache.size >= CACHE_LIMIT) {
    for (const [key, entry] of cache) if (entry.expires <= now) cache.delete(key);
    if (cache.size >= CACHE_LIMIT) cache.clear();
  }
  const value = readPrivacySettings(database, { userId }).then((settings) => ({ settings, masker: createMasker(settings.masking) }));
  const entry = { expires: now + SETTINGS_CACHE_TTL_MS, value };
  cache.set(userId, entry);
  // A failed read is not cached: the caller fails (nothing is written unmasked) and the next call reads again.
  value.catch(() => {
    if (cache.get(userId) === entry) cache.delete(userId);
  });
  return value;
}

/**
 * The rows as they may be stored: each masked with its account's rules (by its `user_id`), by the
 * SDK's `maskSpanFields` (the rule an app applies before sending; `metadata.masked` adds to its counts). Both
 * ways into the span store call this just before the write (`storeSpans` for HTTP and OTLP,
 * `DatabaseSpanSink` for the chat API and the proxy). Rejects when the settings cannot be read:
 * nothing is written unmasked.
 */
export async function maskSpanRows(database: Database, rows: SpanRow[]): Promise<SpanRow[]> {
  if (rows.length === 0) return rows;
  const users = [...new Set(rows.map((row) => row.user_id))];
  const maskers = new Map(await Promise.all(users.map(async (userId) => [userId, (await accountPrivacy(database, userId)).masker] as const)));
  return rows.map((row) => {
    const masker = maskers.get(row.user_id);
    return masker ? maskSpanFields(row, masker) : row;
  });
}

/**
 * A chat message's text masked with its account's rules, so the message and its trace agree (the
 * trace's copy is masked by {@link maskSpanRows} with the same rules).
 */
export async function maskMessageText(database: Database, { userId, text }: { userId: string; text: string }): Promise<string> {
  const { masker } = await accountPrivacy(database, userId);
  return masker ? masker.text(text, {}) : text;
}
