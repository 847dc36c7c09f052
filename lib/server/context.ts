import 'server-only';
import { readAppConfig } from '@/lib/config/app.config';
import { createDatabase, type Database } from '@/lib/db/client';

/** Everything a request handler needs that outlives the request. */
export interface AppContext {
  database: Database;
}

type Holder = { context?: Promise<AppContext> };

// Kept on globalThis so every route bundle of the Next.js server shares one database handle.
const KEY = Symbol.for('llmtrace.appContext');
const holder: Holder = ((globalThis as Record<symbol, Holder>)[KEY] ??= {});

/** The process's context, opened on first use from the environment (DATABASE_URL / DATA_DIR). */
export function getAppContext(): Promise<AppContext> {
  holder.context ??= (async () => {
    const config = readAppConfig();
    const database = await createDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
    return { database };
  })().catch((error) => {
    holder.context = undefined;
    throw error;
  });
  return holder.context;
}

/** Replaces the process's context (tests, scripts that opened the database themselves). */
export function setAppContext(context: AppContext): void {
  holder.context = Promise.resolve(context);
}
