'use client';

import { useEffect, useState, useSyncExternalStore } from 'react';
import { formatDateTime, formatRelative } from '@/lib/format';

const subscribeNothing = () => () => {};

/**
 * "5 min ago" over the absolute start time. The server renders UTC; the browser switches to local
 * time after hydration (no mismatch) and refreshes the relative part every 30 s.
 */
export function TimeCell({ iso, serverNowMs }: { iso: string; serverNowMs: number }) {
  const isClient = useSyncExternalStore(subscribeNothing, () => true, () => false);
  const [now, setNow] = useState(serverNowMs);
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  const ms = Date.parse(iso);
  const absolute = formatDateTime(ms, { utc: !isClient });
  return (
    <div className="whitespace-nowrap" title={iso}>
      <div className="text-slate-700">{formatRelative(ms, isClient ? now : serverNowMs)}</div>
      <div className="font-mono text-[11px] text-slate-400">{absolute}</div>
    </div>
  );
}
