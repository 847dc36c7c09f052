import { IntentLink } from '@/components/shell/IntentLink';
import { RANGES, type RangeKey } from './range';

const LABELS: Record<RangeKey, string> = { '1h': '1h', '24h': '24h', '7d': '7d', '30d': '30d' };

/** The Overview's time range, kept in the URL (`?range=`), as a segmented control of links. */
export function RangePicker({ value }: { value: RangeKey }) {
  return (
    <nav aria-label="Time range" className="inline-flex rounded-lg border border-slate-200 bg-slate-50 p-0.5" data-testid="range-picker">
      {RANGES.map((range) => {
        const active = range === value;
        return (
          <IntentLink
            key={range}
            href={`/analytics?range=${range}`}
            aria-current={active ? 'page' : undefined}
            data-testid={`range-${range}`}
            className={`rounded-md px-3 py-1 text-xs font-medium tabular-nums transition-colors ${
              active ? 'bg-white text-indigo-700 shadow-sm ring-1 ring-slate-200' : 'text-slate-600 hover:text-slate-900'
            }`}
          >
            {LABELS[range]}
          </IntentLink>
        );
      })}
    </nav>
  );
}
