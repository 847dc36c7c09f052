/** Server configuration read from the environment; every variable is listed in `.env.example`. */
export interface AppConfig {
  /** `postgres://…` for a server; unset = embedded PGlite under `dataDir`. */
  databaseUrl?: string;
  /** Default `./data`. */
  dataDir: string;
  /** Default 3000. */
  port: number;
  /** Default 127.0.0.1. */
  host: string;
  adminEmail?: string;
  adminPassword?: string;
  /** Days spans are kept. Default 30. */
  retentionDays: number;
  /**
   * Reverse proxies in front of the server whose `X-Forwarded-For` / `X-Forwarded-Host` are
   * believed (`TRUST_PROXY`: `true` = 1, or a number of hops). Default 0: those headers are
   * ignored, because any client can send them.
   */
  trustProxy: number;
}

export function readAppConfig(env: Readonly<Record<string, string | undefined>> = process.env): AppConfig {
  return {
    databaseUrl: env.DATABASE_URL?.trim() || undefined,
    dataDir: env.DATA_DIR?.trim() || './data',
    port: positiveInt(env.PORT, 3000),
    host: env.HOST?.trim() || '127.0.0.1',
    adminEmail: env.ADMIN_EMAIL?.trim() || undefined,
    adminPassword: env.ADMIN_PASSWORD || undefined,
    retentionDays: positiveInt(env.TRACE_RETENTION_DAYS, 30),
    trustProxy: proxyHops(env.TRUST_PROXY),
  };
}

/** `true` → 1, `false`/unset → 0, `N` → N hops. */
export function proxyHops(value: string | undefined): number {
  const text = value?.trim().toLowerCase() ?? '';
  if (text === 'true') return 1;
  return /^\d+$/.test(text) ? Math.min(Number(text), 32) : 0;
}

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}
