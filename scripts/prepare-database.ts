/**
 * The database step of `npm start`, run by `scripts/start.mjs` as a short-lived child process:
 * applies pending migrations and, on an empty database, creates the owner account and prints its
 * credentials once. It runs apart from the supervisor so that the long-lived supervisor never loads
 * the database engine: embedded PGlite on the main thread kept 200–400 MB of WebAssembly memory
 * even after `close()` (on its own thread since session 19, `close()` ends the thread and gives back
 * about half: resident 139 MB, 465 open, 292 closed), and a process that exits gives all of it back.
 *
 * Several processes may run this at once against one Postgres: the migrations and the owner
 * bootstrap are serialised by an advisory lock (`withStartupLock`), and only the process that
 * created the owner prints the banner. Exits 0 when the database is ready, 1 (with a message) when not.
 */
import path from 'node:path';
import { readAppConfig } from '@/lib/config/app.config';
import { createDatabase } from '@/lib/db/client';
import { ensureOwnerAccount, formatOwnerBanner } from '@/lib/server/owner-account';
import { ensureUpcomingPartitions } from '@/lib/trace-store/partitions';
import { loadEnvFile } from './env';

async function main(): Promise<void> {
  loadEnvFile();
  const config = readAppConfig();
  const url = `http://${config.host}:${config.port}`;
  let database;
  try {
    database = await createDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  } catch (error) {
    console.error(`✖ Could not open the database: ${(error as Error).message}`);
    process.exit(1);
  }
  try {
    const where = database.kind === 'pglite' ? `embedded PGlite in ${path.resolve(config.dataDir, 'pglite')}` : 'Postgres at DATABASE_URL';
    // Today's span partition and the next days' (the daily retention run keeps them ahead).
    await ensureUpcomingPartitions(database);
    console.log(`✔ Database ready: ${where}`);
    const owner = await ensureOwnerAccount(database, config);
    if (owner) console.log(`\n${formatOwnerBanner(owner, url)}\n`);
  } catch (error) {
    console.error(`✖ Could not prepare the database: ${(error as Error).message}`);
    process.exitCode = 1;
  } finally {
    await database.close();
  }
}

void main();
