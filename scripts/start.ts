/**
 * `npm start`: builds the app when the build is missing or stale, applies migrations, creates the
 * owner account on an empty database (printing its credentials once), then serves on HOST:PORT.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readAppConfig } from '@/lib/config/app.config';
import { createDatabase } from '@/lib/db/client';
import { ensureOwnerAccount, formatOwnerBanner } from '@/lib/server/owner-account';
import { loadEnvFile } from './env';

const BUILD_STAMP = path.join('.next', 'llmtrace-build-fingerprint');
const SOURCE_DIRS = ['app', 'components', 'lib', path.join('packages', 'sdk', 'src')];
const SOURCE_FILES = ['package-lock.json', 'next.config.ts', 'postcss.config.mjs', 'tsconfig.json', 'tsconfig.next.json', 'instrumentation.ts', path.join('packages', 'sdk', 'package.json')];
const NEXT_BIN = path.join('node_modules', 'next', 'dist', 'bin', 'next');

/** A hash of the sources that go into the build, so an updated checkout is rebuilt. */
function sourceFingerprint(): string {
  const hash = createHash('sha256');
  const visit = (file: string) => {
    const stat = statSync(file);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(file).sort()) visit(path.join(file, entry));
    } else {
      hash.update(file).update(readFileSync(file));
    }
  };
  for (const entry of [...SOURCE_DIRS, ...SOURCE_FILES]) if (existsSync(entry)) visit(entry);
  return hash.digest('hex');
}

function buildIfNeeded(): void {
  const fingerprint = sourceFingerprint();
  const built = existsSync(path.join('.next', 'BUILD_ID')) && existsSync(BUILD_STAMP) && readFileSync(BUILD_STAMP, 'utf8') === fingerprint;
  if (built) return;
  console.log('▶ Building LLMTrace (first start or changed sources; this takes a minute or two)…');
  const started = Date.now();
  const result = spawnSync(process.execPath, [NEXT_BIN, 'build'], { stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  if (result.status !== 0) {
    console.error('✖ The build failed; see the output above.');
    process.exit(result.status ?? 1);
  }
  writeFileSync(BUILD_STAMP, fingerprint);
  console.log(`✔ Built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

async function prepareDatabase(url: string): Promise<void> {
  const config = readAppConfig();
  const database = await createDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    const where = database.kind === 'pglite' ? `embedded PGlite in ${path.resolve(config.dataDir, 'pglite')}` : 'Postgres at DATABASE_URL';
    console.log(`✔ Database ready: ${where}`);
    const owner = await ensureOwnerAccount(database, config);
    if (owner) console.log(`\n${formatOwnerBanner(owner, url)}\n`);
  } finally {
    await database.close();
  }
}

async function main() {
  loadEnvFile();
  const config = readAppConfig();
  const url = `http://${config.host}:${config.port}`;
  buildIfNeeded();
  try {
    await prepareDatabase(url);
  } catch (error) {
    console.error(`✖ Could not open the database: ${(error as Error).message}`);
    process.exit(1);
  }
  const server = spawn(process.execPath, [NEXT_BIN, 'start', '-H', config.host, '-p', String(config.port)], {
    stdio: 'inherit',
    // Our shutdown hooks (packages/sdk/src/shutdown.ts) own SIGTERM/SIGINT: they flush every queued span, then exit.
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NEXT_MANUAL_SIG_HANDLE: 'true', LLMTRACE_SUPERVISOR_PID: String(process.pid) },
    // Its own process group: a Ctrl-C (or a stop signal to our group) reaches the server once, through
    // us, instead of twice; a second signal would make it exit before its spans are written.
    detached: true,
  });
  console.log(`▶ LLMTrace is starting on ${url}`);
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      console.log(`▶ Stopping: writing queued spans, then exiting…`);
      server.kill(signal);
    });
  }
  process.on('exit', () => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
  });
  server.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
}

void main();
