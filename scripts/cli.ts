/**
 * `npm run cli -- <command>`: account and maintenance commands. Each prints one JSON line on
 * stdout; errors go to stderr with exit code 1.
 *
 *   user:create --email E --password P
 *   key:create  --email E [--name N] [--scope full|chat]
 *   retention   [--days N]   (N: the default; accounts that set their own retention keep it)
 */
import { parseArgs } from 'node:util';
import { createApiKey, createUserAccount } from '@/lib/auth/accounts';
import { readAppConfig } from '@/lib/config/app.config';
import { createDatabase, type Database } from '@/lib/db/client';
import { findUserByEmail } from '@/lib/db/queries/accounts';
import { applyRetention } from '@/lib/trace-store/retention';
import { loadEnvFile } from './env';

const USAGE = `Usage:
  npm run cli -- user:create --email E --password P
  npm run cli -- key:create --email E [--name N] [--scope full|chat]
  npm run cli -- retention [--days N]`;

class UsageError extends Error {}

async function run(database: Database, command: string | undefined, args: string[]): Promise<unknown> {
  switch (command) {
    case 'user:create': {
      const { values } = parseArgs({ args, options: { email: { type: 'string' }, password: { type: 'string' } } });
      if (!values.email || !values.password) throw new UsageError('user:create needs --email and --password.');
      const { user, apiKey } = await createUserAccount(database, { email: values.email, password: values.password });
      return { userId: user.id, email: user.email, apiKey };
    }
    case 'key:create': {
      const { values } = parseArgs({ args, options: { email: { type: 'string' }, name: { type: 'string' }, scope: { type: 'string' } } });
      if (!values.email) throw new UsageError('key:create needs --email.');
      const scope = values.scope ?? 'full';
      if (scope !== 'full' && scope !== 'chat') throw new UsageError('--scope must be "full" or "chat".');
      const user = await findUserByEmail(database, { email: values.email });
      if (!user) throw new Error(`No user with the email ${values.email}. Create one with user:create.`);
      const { key } = await createApiKey(database, { userId: user.id, name: values.name ?? 'cli', scope });
      return { apiKey: key };
    }
    case 'retention': {
      const { values } = parseArgs({ args, options: { days: { type: 'string' } } });
      const days = values.days === undefined ? readAppConfig().retentionDays : Number(values.days);
      if (!Number.isFinite(days) || days < 0) throw new UsageError('--days must be a number of days ≥ 0.');
      const report = await applyRetention(database, {
        cutoff: new Date(Date.now() - days * 86_400_000),
        onProgress: (n) => process.stderr.write(`\rdeleted ${n} spans…`),
      });
      if (report.spans > 0) process.stderr.write('\n');
      // Whole days dropped (their spans are counted in `deleted`) and the time their DROP statements took.
      return { deleted: report.spans, daysDropped: report.partitions.length, dropMs: Math.round(report.dropMs) };
    }
    default:
      throw new UsageError(command ? `Unknown command "${command}".` : 'No command given.');
  }
}

async function main() {
  loadEnvFile();
  const [command, ...args] = process.argv.slice(2);
  const config = readAppConfig();
  let database: Database | undefined;
  try {
    database = await createDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
    const result = await run(database, command, args);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message}\n`);
    if (error instanceof UsageError || (error as Error).name === 'TypeError') process.stderr.write(`${USAGE}\n`);
    process.exitCode = 1;
  } finally {
    await database?.close();
  }
}

void main();
