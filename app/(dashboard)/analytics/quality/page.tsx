import type { Metadata } from 'next';
import { IntentLink } from '@/components/shell/IntentLink';
import { JudgmentsTable } from '@/components/analytics/JudgmentsTable';
import { FailureTagList } from '@/components/quality/FailureTagList';
import { QualityEmptyState } from '@/components/quality/QualityEmptyState';
import { PageHeader } from '@/components/shell/PageHeader';
import { listFailureTags } from '@/lib/db/queries/quality';
import { QualityIssuesQuery, queryQualityIssues } from '@/lib/quality/evaluations';
import { getAppContext } from '@/lib/server/context';
import { requirePageUser } from '@/lib/server/page-auth';

export const metadata: Metadata = { title: 'Quality issues · LLMTrace' };
export const dynamic = 'force-dynamic';

const PAGE_SIZE = 25;

export default async function QualityIssuesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const rawTag = Array.isArray(params.tag) ? params.tag[0] : params.tag;
  const user = await requirePageUser();
  const { database } = await getAppContext();
  const tags = await listFailureTags(database, { userId: user.userId });

  let selected: { tag: string; messages: Awaited<ReturnType<typeof loadTag>>['messages']; nextCursor: string | null } | null = null;
  let invalidTag: string | null = null;
  if (rawTag) {
    const query = QualityIssuesQuery.safeParse({ tag: rawTag, limit: PAGE_SIZE });
    if (query.success && query.data.tag) {
      const page = await loadTag(database, user.userId, query.data);
      selected = { tag: query.data.tag, messages: page.messages, nextCursor: page.next_cursor };
    } else {
      invalidTag = rawTag;
    }
  }

  return (
    <main data-testid="quality-page">
      <PageHeader
        title="Quality issues"
        description="Failure tags from evaluated answers, most frequent first. Open a tag's examples and jump to the trace behind each one."
      />
      <div className="space-y-4 p-6">
        {tags.length === 0 && !selected ? <QualityEmptyState /> : <FailureTagList tags={tags} selected={selected?.tag ?? null} />}
        {invalidTag !== null && (
          <div className="rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-800" role="alert">
            “{invalidTag}” is not a valid failure tag.{' '}
            <IntentLink href="/analytics/quality" className="font-medium underline">
              Clear
            </IntentLink>
          </div>
        )}
        {selected && <JudgmentsTable key={selected.tag} tag={selected.tag} initialMessages={selected.messages} initialCursor={selected.nextCursor} />}
      </div>
    </main>
  );
}

async function loadTag(database: Awaited<ReturnType<typeof getAppContext>>['database'], userId: string, query: QualityIssuesQuery) {
  const result = await queryQualityIssues(database, { userId, query });
  if (!('messages' in result)) return { messages: [], next_cursor: null };
  return { messages: result.messages, next_cursor: result.next_cursor };
}
