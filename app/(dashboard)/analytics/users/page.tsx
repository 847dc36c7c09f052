import type { Metadata } from 'next';
import { IntentLink } from '@/components/shell/IntentLink';
import { EndUserTable } from '@/components/end-users/EndUserTable';
import { EndUsersEmptyState } from '@/components/end-users/EndUsersEmptyState';
import { DEFAULT_SORT, usersHref, type UserListSort } from '@/components/end-users/sorting';
import { ListPager, QueryProblems } from '@/components/sessions/ListPager';
import { PageHeader } from '@/components/shell/PageHeader';
import { getAppContext } from '@/lib/server/context';
import { requirePageUser } from '@/lib/server/page-auth';
import { EndUserListQuery, decodeEndUserCursor, listEndUsers, type EndUserSummary } from '@/lib/trace-store/end-users';

export const metadata: Metadata = { title: 'End users · LLMTrace' };
export const dynamic = 'force-dynamic';

const PAGE_SIZE = 50;

type SearchParams = Record<string, string | string[] | undefined>;

function firstValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === '' ? undefined : first;
}

export default async function EndUsersPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const user = await requirePageUser();
  const raw = await searchParams;
  const cursorText = firstValue(raw.cursor);
  const parsed = EndUserListQuery.safeParse({ sort: firstValue(raw.sort), order: firstValue(raw.order), cursor: cursorText, limit: String(PAGE_SIZE) });
  const sort: UserListSort = parsed.success ? { sort: parsed.data.sort, order: parsed.data.order } : DEFAULT_SORT;
  const cursor = parsed.success && parsed.data.cursor ? decodeEndUserCursor(parsed.data.cursor, sort.sort, sort.order) : null;
  const problems = !parsed.success
    ? parsed.error.issues.map((issue) => `${issue.path.join('.') || 'query'}: ${issue.message}`)
    : cursorText && !cursor
      ? ['cursor: this page link is no longer valid']
      : [];

  let users: EndUserSummary[] = [];
  let nextCursor: string | null = null;
  if (problems.length === 0) {
    const { database } = await getAppContext();
    ({ users, nextCursor } = await listEndUsers(database, { userId: user.userId, ...sort, limit: PAGE_SIZE, cursor }));
  }
  const onLaterPage = Boolean(cursorText);

  return (
    <main data-testid="end-users-page">
      <PageHeader
        title="End users"
        description="What each of your application's users costs: traces, tokens, cost and error rate. Click a column to sort; open a user to see their traces."
      />
      <div className="space-y-4 p-6">
        {problems.length > 0 ? (
          <QueryProblems problems={problems} resetHref="/analytics/users" what="end users" />
        ) : users.length === 0 ? (
          onLaterPage ? (
            <div className="rounded-xl border border-dashed border-slate-300 bg-white px-8 py-10 text-center text-sm text-slate-500">
              No more end users.{' '}
              <IntentLink href={usersHref(sort)} className="font-medium text-indigo-600 hover:text-indigo-800">
                Back to the first page
              </IntentLink>
            </div>
          ) : (
            <EndUsersEmptyState />
          )
        ) : (
          <>
            <EndUserTable users={users} sort={sort} nowMs={Date.now()} />
            <ListPager count={users.length} noun={['end user', 'end users']} onLaterPage={onLaterPage} nextCursor={nextCursor} href={(next) => usersHref(sort, next)} />
          </>
        )}
      </div>
    </main>
  );
}
