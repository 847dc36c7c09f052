import 'server-only';
import { readAppConfig } from '@/lib/config/app.config';
import { scheduleAnalyze } from '@/lib/db/analyze';
import { capturePeerAddresses } from '@/lib/http/client-address';
import { withOtlpExport } from '@/lib/otlp/outbound';
import { priceTable } from '@/lib/pricing';
import { MaskingSpanSink } from '@/lib/privacy/sink';
import { scheduleRetention } from '@/lib/trace-store/retention-schedule';
import { scheduleRollups } from '@/lib/trace-store/rollups';
import { DatabaseSpanSink } from '@/lib/trace-store/database-sink';
import { registerShutdownHooks, traceService } from '@llmtrace/sdk';
import { ensureOwnerAccount, formatOwnerBanner } from './owner-account';
import { getAppContext } from './context';

/**
 * Called once per server process from `instrumentation.ts`: points the trace service at the
 * database (and an OTLP backend when one is configured), flushes it on shutdown, schedules retention,
 * the Overview's roll-ups and (on PGlite) planner statistics, and opens the database eagerly so the
 * first request does not pay for it.
 */
export async function bootServer(): Promise<void> {
  // Sign-in throttling needs each request's socket address, which Next.js does not hand to routes.
  capturePeerAddresses();
  // A bad PRICING_FILE stops the server now, not at the first priced call.
  priceTable();
  // The tokenizer is not built here: only a model call whose provider reports no usage (the demo
  // model's) needs it, and its tables hold tens of MB that a server receiving traces never uses.
  const database = async () => (await getAppContext()).database;
  // Copies exported to another OTLP backend are masked with each account's rules, as stored spans are.
  traceService.setSink(withOtlpExport(new DatabaseSpanSink(database), process.env, { mask: (sink) => new MaskingSpanSink(sink, database) }));
  registerShutdownHooks(traceService);
  stopWithSupervisor();
  const config = readAppConfig();
  scheduleRetention(async () => (await getAppContext()).database, config.retentionDays);
  scheduleRollups(async () => (await getAppContext()).database);
  // Embedded PGlite has no autovacuum: its tables' planner statistics are kept here.
  scheduleAnalyze(async () => (await getAppContext()).database);
  try {
    const { database } = await getAppContext();
    // `npm start` creates the owner before the server starts; this covers `npm run dev` and a bare `next start`.
    const owner = await ensureOwnerAccount(database, config);
    if (owner) console.log(`\n${formatOwnerBanner(owner, `http://${config.host}:${config.port}`)}\n`);
  } catch (error) {
    console.error(`[llmtrace] start-up failed: ${(error as Error).message}`);
  }
}

/**
 * `npm start` runs the server in its own process group so that one Ctrl-C reaches it once. If the
 * start script itself is killed outright, the server notices it was orphaned and stops gracefully
 * (flushing its spans) instead of lingering.
 */
function stopWithSupervisor(): void {
  const supervisor = Number(process.env.LLMTRACE_SUPERVISOR_PID);
  if (!Number.isInteger(supervisor) || supervisor <= 0) return;
  const timer = setInterval(() => {
    if (process.ppid !== supervisor) {
      clearInterval(timer);
      process.kill(process.pid, 'SIGTERM');
    }
  }, 1000);
  timer.unref();
}
