'use client';

import { useEffect, useMemo, useRef, useState } from 'react';
import { TraceView } from '@/components/trace/TraceView';
import { makeBigTrace, makeChatTrace } from '@/tests/support/trace-fixtures';

declare global {
  interface Window {
    __traceTimings?: { generateMs: number; mountMs: number };
  }
}

export function Preview({ n, shape, mode, span }: { n?: number; shape?: 'mixed' | 'wide' | 'deep'; mode?: string; span?: string }) {
  const [t0] = useState(() => performance.now());
  const generated = useRef(0);
  const spans = useMemo(() => {
    const start = performance.now();
    const result =
      mode === 'empty'
        ? []
        : mode === 'junk'
          ? makeChatTrace().map((sp, i) =>
              i === 1 ? { ...sp, start_time: 'garbage', operation_type: 'weird' as never, status: 'odd' as never }
              : i === 2 ? { ...sp, parent_trace_id: 'nope', end_time: null, status: 'running' as const, span_name: '' }
              : i === 3 ? { ...sp, input_data: 'x'.repeat(5000), metadata: { deep: { a: { b: { c: { d: [1, 2, 3] } } } }, list: Array.from({ length: 250 }, (_, k) => k) } }
              : sp)
        : n
          ? makeBigTrace(n, { shape, withRunning: mode === 'running' })
          : makeChatTrace({ running: mode === 'running', failed: mode === 'failed', start: mode === 'running' ? Date.now() - 3000 : undefined });
    generated.current = performance.now() - start;
    return result;
  }, [n, shape, mode]);
  const [selected, setSelected] = useState<string | null>(span ?? null);
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  useEffect(() => {
    if (mounted) window.__traceTimings = { generateMs: generated.current, mountMs: performance.now() - t0 };
  }, [t0, mounted]);
  if (!mounted) return null;
  return (
    <div className="flex h-full flex-col gap-2">
      <div className="font-mono text-[11px] text-slate-400" data-testid="preview-selected">
        selected: {selected ?? 'none'}
      </div>
      <div className="min-h-0 flex-1">
        <TraceView
          spans={spans}
          initialSpanId={span}
          onSelectSpan={setSelected}
          exportHref={spans[0] ? `/api/analytics/traces/${spans[0].trace_id}/export` : undefined}
        />
      </div>
    </div>
  );
}
