import { IntentLink } from '@/components/shell/IntentLink';

const buttonClass =
  'inline-flex h-8 items-center gap-1.5 rounded-md border border-slate-200 bg-white px-3 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50 hover:text-slate-900';

/**
 * "N rows on this page", a link back to the first page and one to the next (keyset pages: no
 * page numbers). `href` builds the link for a cursor (null: the first page).
 */
export function ListPager({
  count,
  noun,
  onLaterPage,
  nextCursor,
  href,
}: {
  count: number;
  noun: [string, string];
  onLaterPage: boolean;
  nextCursor: string | null;
  href: (cursor: string | null) => string;
}) {
  return (
    <nav className="flex items-center justify-between text-sm" aria-label="Pagination">
      <span className="text-slate-500" data-testid="list-count">
        {count} {count === 1 ? noun[0] : noun[1]} on this page{nextCursor ? '' : onLaterPage ? ' (last page)' : ''}
      </span>
      <div className="flex items-center gap-2">
        {onLaterPage && (
          <IntentLink href={href(null)} className={buttonClass} data-testid="first-page">
            « First page
          </IntentLink>
        )}
        {nextCursor && (
          <IntentLink href={href(nextCursor)} className={buttonClass} data-testid="next-page">
            Next page »
          </IntentLink>
        )}
      </div>
    </nav>
  );
}

/** A query-string problem, shown instead of the list (nothing is queried). */
export function QueryProblems({ problems, resetHref, what }: { problems: string[]; resetHref: string; what: string }) {
  return (
    <div className="rounded-xl border border-amber-200 bg-amber-50 px-5 py-4 text-sm text-amber-900" role="alert" data-testid="list-query-error">
      <p className="font-medium">Some parameters in the address are not valid, so no {what} are shown.</p>
      <ul className="mt-2 list-disc space-y-0.5 pl-5 font-mono text-xs">
        {problems.map((problem) => (
          <li key={problem}>{problem}</li>
        ))}
      </ul>
      <IntentLink href={resetHref} className="mt-3 inline-block font-medium text-amber-900 underline hover:text-amber-700">
        Start over
      </IntentLink>
    </div>
  );
}
