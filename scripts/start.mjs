/**
 * `npm start`: builds the app when the build is missing or stale, applies migrations, creates the
 * owner account on an empty database (printing its credentials once), then serves on HOST:PORT.
 *
 * It never opens the database itself: migrations and the owner bootstrap run in a short-lived
 * child (`scripts/prepare-database.ts`, run through `tsx`), so the database engine's memory is
 * given back before the server starts. Then:
 * - on embedded PGlite (no DATABASE_URL), where footprint is the point, this process becomes the
 *   server: it runs Next.js's own `next start` in place (no second Node process: 48 MB less);
 * - with DATABASE_URL, it stays alive as a small supervisor of a server process with Node's
 *   default flags (see {@link serverNodeFlags}), forwarding it a stop signal once.
 * It is plain JavaScript run by bare `node`, so it holds no TypeScript loader: with `tsx` it was
 * 66 MB resident plus a 12 MB `esbuild` helper, as plain JavaScript about 40 MB. Several copies
 * may start at once in one checkout and on one Postgres: the build is serialised by a lock file,
 * the database step by an advisory lock.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';

const BUILD_STAMP = path.join('.next', 'llmtrace-build-fingerprint');
const SOURCE_DIRS = ['app', 'components', 'lib', path.join('packages', 'sdk', 'src')];
const SOURCE_FILES = ['package-lock.json', 'next.config.mjs', 'postcss.config.mjs', 'tsconfig.json', 'tsconfig.next.json', 'instrumentation.ts', path.join('packages', 'sdk', 'package.json')];
const NEXT_BIN = path.join('node_modules', 'next', 'dist', 'bin', 'next');
/** In `node_modules` (ignored by git, never cleaned by `next build`, unlike `.next`). */
const BUILD_LOCK = path.join('node_modules', '.llmtrace-build.lock');
const PREPARE_SCRIPT = path.join('scripts', 'prepare-database.ts');
/** How the database step (TypeScript, `@/` imports, `server-only` modules) is run. */
const TSX_FLAGS = ['--conditions=react-server', '--import', 'tsx'];

/** `.env` from the working directory when present; real environment variables win (as `scripts/env.ts`). */
function loadEnvFile(file = '.env') {
  if (existsSync(file)) process.loadEnvFile(file);
}

/** HOST and PORT, read as `readAppConfig` (lib/config/app.config.ts) reads them. */
function listenAddress(env = process.env) {
  const port = Number(env.PORT);
  return { host: env.HOST?.trim() || '127.0.0.1', port: Number.isInteger(port) && port > 0 ? port : 3000 };
}

/**
 * Node flags for the server on embedded PGlite, where footprint is the point (a Postgres server
 * keeps Node's defaults). `npm start` passes them to this script (package.json), which then serves
 * in place; run by hand without them, it serves all the same, with more memory. Measured with `npm run bench -- --only footprint` (2 runs each), the
 * server idle 342–345 MB → 255–270 MB, the whole tree under load 757–764 MB → 656–673 MB, stored
 * spans/s and `/api/health` latency within the runs' spread:
 * - `--liftoff-only`: PGlite's Postgres is 9 MB of WebAssembly; V8 compiles each function with
 *   its baseline compiler and then hot ones again with its optimising one, keeping both. Baseline
 *   code only is 60 MB less; ingest CPU time was 0–15% more.
 * - `--max-semi-space-size=2` (MB): the young generation otherwise stays at its 32 MB high-water mark.
 */
function serverNodeFlags(env = process.env) {
  return env.DATABASE_URL?.trim() ? [] : ['--liftoff-only', '--max-semi-space-size=2'];
}

/** A hash of the sources that go into the build, so an updated checkout is rebuilt. */
function sourceFingerprint() {
  const hash = createHash('sha256');
  const visit = (file) => {
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

function isBuilt(fingerprint) {
  return existsSync(path.join('.next', 'BUILD_ID')) && existsSync(BUILD_STAMP) && readFileSync(BUILD_STAMP, 'utf8') === fingerprint;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Takes the build lock (a file naming its holder), waiting while another live `npm start` in
 * this checkout holds it: two concurrent `next build`s into one `.next` would corrupt it.
 */
function acquireBuildLock() {
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(BUILD_LOCK, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(BUILD_LOCK, { force: true });
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(BUILD_LOCK, 'utf8').trim());
    } catch {
      continue; // released meanwhile
    }
    // A lock without a live holder (or still empty, a moment after creation) is stale only if it stays so.
    if (!(Number.isInteger(holder) && holder > 0 && isAlive(holder))) {
      sleepSync(200);
      try {
        const again = Number(readFileSync(BUILD_LOCK, 'utf8').trim());
        if (!(Number.isInteger(again) && again > 0 && isAlive(again))) rmSync(BUILD_LOCK, { force: true });
      } catch {
        // released meanwhile
      }
      continue;
    }
    if (!announced) console.log(`▶ Waiting for the build another LLMTrace start (process ${holder}) is running…`);
    announced = true;
    sleepSync(1000);
  }
}

function buildIfNeeded() {
  const fingerprint = sourceFingerprint();
  if (isBuilt(fingerprint)) return;
  const release = acquireBuildLock();
  try {
    // Another start may have built the same sources while we waited.
    if (isBuilt(fingerprint)) return;
    console.log('▶ Building LLMTrace (first start or changed sources; this takes a minute or two)…');
    const started = Date.now();
    const result = spawnSync(process.execPath, [NEXT_BIN, 'build'], { stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
    if (result.status !== 0) {
      console.error('✖ The build failed; see the output above.');
      release();
      process.exit(result.status ?? 1);
    }
    writeFileSync(BUILD_STAMP, fingerprint);
    console.log(`✔ Built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    release();
  }
}

/**
 * Migrations and the owner bootstrap, in a child process that exits when done (see
 * `scripts/prepare-database.ts`); it prints the database line and, once, the owner banner.
 * @returns {Promise<boolean>} whether the database is ready
 */
function prepareDatabase() {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...TSX_FLAGS, PREPARE_SCRIPT], { stdio: 'inherit', env: process.env });
    child.on('error', (error) => {
      console.error(`✖ Could not run the database step: ${error.message}`);
      resolve(false);
    });
    child.on('exit', (code) => resolve(code === 0));
  });
}

async function main() {
  loadEnvFile();
  const { host, port } = listenAddress();
  const url = `http://${host}:${port}`;
  buildIfNeeded();
  if (!(await prepareDatabase())) process.exit(1);
  if (serverNodeFlags().length > 0) return serveInPlace(host, port);
  const server = spawn(process.execPath, [...serverNodeFlags(), NEXT_BIN, 'start', '-H', host, '-p', String(port)], {
    stdio: 'inherit',
    // Our shutdown hooks (packages/sdk/src/shutdown.ts) own SIGTERM/SIGINT: they flush every queued span, then exit.
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NEXT_MANUAL_SIG_HANDLE: 'true', LLMTRACE_SUPERVISOR_PID: String(process.pid) },
    // Its own process group: a Ctrl-C (or a stop signal to our group) reaches the server once, through
    // us, instead of twice; a second signal would make it exit before its spans are written.
    detached: true,
  });
  console.log(`▶ LLMTrace is starting on ${url}`);
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM']) {
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

/**
 * Runs `next start` in this process, exactly as its command line would (Next.js's CLI reads
 * `process.argv`). Our shutdown hooks (packages/sdk/src/shutdown.ts) own SIGTERM/SIGINT: they
 * flush every queued span, then exit; a Ctrl-C that arrives twice (from the terminal, and
 * forwarded by npm) counts once.
 */
function serveInPlace(host, port) {
  Object.assign(process.env, { NEXT_TELEMETRY_DISABLED: '1', NEXT_MANUAL_SIG_HANDLE: 'true' });
  console.log(`▶ LLMTrace is starting on http://${host}:${port}`);
  process.argv = [process.execPath, path.resolve(NEXT_BIN), 'start', '-H', host, '-p', String(port)];
  createRequire(import.meta.url)(path.resolve(NEXT_BIN));
}

void main();
