import type { Metadata } from 'next';
import { IntentLink } from '@/components/shell/IntentLink';
import { notFound } from 'next/navigation';
import { SessionConversation } from '@/components/sessions/SessionConversation';
import { SessionOverview } from '@/components/sessions/SessionOverview';
import { sessionTracesHref } from '@/components/sessions/links';
import { formatCount, truncate } from '@/lib/format';
import type { Database } from '@/lib/db/client';
import { getAppContext } from '@/lib/server/context';
import { requirePageUser } from '@/lib/server/page-auth';
import { SessionIdParam, getSessionSummary, getSessionTraces, type SessionSummary } from '@/lib/trace-store/sessions';

export const dynamic = 'force-dynamic';

type Params = { sessionId: string };

/** The segment as given, then URL-decoded: a session id may hold `%` or characters a router leaves encoded. */
function candidates(segment: string): string[] {
  let decoded = segment;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // not percent-encoded
  }
  return [...new Set([segment, decoded])].filter((id) => SessionIdParam.safeParse(id).success);
}

async function findSession(database: Database, userId: string, segment: string): Promise<SessionSummary | null> {
  for (const sessionId of candidates(segment)) {
    const summary = await getSessionSummary(database, { userId, sessionId });
    if (summary) return summary;
  }
  return null;
}

export async function generateMetadata({ params }: { params: Promise<Params> }): Promise<Metadata> {
  const { sessionId } = await params;
  return { title: `Session ${truncate(candidates(sessionId).at(-1) ?? sessionId, 24)} · LLMTrace` };
}

export default async function SessionPage({ params }: { params: Promise<Params> }) {
  const user = await requirePageUser();
  const { database } = await getAppContext();
  const session = await findSession(database, user.userId, (await params).sessionId);
  if (!session) notFound();
  const traces = await getSessionTraces(database, { userId: user.userId, sessionId: session.session_id });

  return (
    <main data-testid="session-page" data-session-id={session.session_id}>
      <header className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 bg-white px-6 py-3">
        <nav aria-label="Breadcrumb" className="flex min-w-0 items-center gap-1.5 text-sm">
          <IntentLink href="/analytics/sessions" className="font-medium text-slate-500 hover:text-indigo-700" data-testid="breadcrumb-sessions">
            Sessions
          </IntentLink>
          <span className="text-slate-300" aria-hidden>
            /
          </span>
          <span className="truncate font-mono font-medium text-slate-900" title={session.session_id}>
            {truncate(session.session_id, 80)}
          </span>
        </nav>
        <IntentLink href={sessionTracesHref(session.session_id)} className="text-xs font-medium text-indigo-600 hover:text-indigo-800" data-testid="session-traces-link">
          This session in the trace list →
        </IntentLink>
      </header>
      <div className="space-y-6 p-6">
        <SessionOverview session={session} />
        {session.traces > traces.length && (
          <p className="rounded-lg border border-slate-200 bg-slate-50 px-4 py-2 text-sm text-slate-600" data-testid="session-truncated">
            Showing the latest {formatCount(traces.length)} of {formatCount(session.traces)} traces.{' '}
            <IntentLink href={sessionTracesHref(session.session_id)} className="font-medium text-indigo-600 hover:text-indigo-800">
              See them all in the trace list
            </IntentLink>
          </p>
        )}
        <section aria-label="Conversation" className="mx-auto max-w-4xl">
          <SessionConversation traces={traces} nowMs={Date.now()} />
        </section>
      </div>
    </main>
  );
}
