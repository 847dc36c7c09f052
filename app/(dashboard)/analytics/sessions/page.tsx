import type { Metadata } from 'next';
import { IntentLink } from '@/components/shell/IntentLink';
import { PageHeader } from '@/components/shell/PageHeader';
import { ListPager, QueryProblems } from '@/components/sessions/ListPager';
import { SessionTable } from '@/components/sessions/SessionTable';
import { SessionsEmptyState } from '@/components/sessions/SessionsEmptyState';
import { getAppContext } from '@/lib/server/context';
import { requirePageUser } from '@/lib/server/page-auth';
import { SessionListQuery, decodeSessionCursor, listSessions, type SessionSummary } from '@/lib/trace-store/sessions';

export const metadata: Metadata = { title: 'Sessions · LLMTrace' };
export const dynamic = 'force-dynamic';

const PAGE_SIZE = 50;

type SearchParams = Record<string, string | string[] | undefined>;

function firstValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === '' ? undefined : first;
}

const pageHref = (cursor: string | null) => (cursor ? `/analytics/sessions?${new URLSearchParams({ cursor })}` : '/analytics/sessions');

export default async function SessionsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const user = await requirePageUser();
  const cursorText = firstValue((await searchParams).cursor);
  const parsed = SessionListQuery.safeParse({ cursor: cursorText, limit: String(PAGE_SIZE) });
  const cursor = parsed.success && parsed.data.cursor ? decodeSessionCursor(parsed.data.cursor) : null;
  const problems = !parsed.success
    ? parsed.error.issues.map((issue) => `${issue.path.join('.') || 'query'}: ${issue.message}`)
    : cursorText && !cursor
      ? ['cursor: this page link is no longer valid']
      : [];

  let sessions: SessionSummary[] = [];
  let nextCursor: string | null = null;
  if (problems.length === 0) {
    const { database } = await getAppContext();
    ({ sessions, nextCursor } = await listSessions(database, { userId: user.userId, limit: PAGE_SIZE, cursor }));
  }
  const onLaterPage = Boolean(cursorText);

  return (
    <main data-testid="sessions-page">
      <PageHeader title="Sessions" description="Conversations and other runs grouped by session, most recently active first. Open one to read it turn by turn." />
      <div className="space-y-4 p-6">
        {problems.length > 0 ? (
          <QueryProblems problems={problems} resetHref="/analytics/sessions" what="sessions" />
        ) : sessions.length === 0 ? (
          onLaterPage ? (
            <div className="rounded-xl border border-dashed border-slate-300 bg-white px-8 py-10 text-center text-sm text-slate-500">
              No more sessions.{' '}
              <IntentLink href="/analytics/sessions" className="font-medium text-indigo-600 hover:text-indigo-800">
                Back to the first page
              </IntentLink>
            </div>
          ) : (
            <SessionsEmptyState />
          )
        ) : (
          <>
            <SessionTable sessions={sessions} nowMs={Date.now()} />
            <ListPager count={sessions.length} noun={['session', 'sessions']} onLaterPage={onLaterPage} nextCursor={nextCursor} href={pageHref} />
          </>
        )}
      </div>
    </main>
  );
}
