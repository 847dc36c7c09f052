/** Number formatting shared by the trace view's header, rows and details panel. */

/** `12,345`; `—` for null or a non-finite value. */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return Math.round(value).toLocaleString('en-US');
}

/**
 * A cost in US dollars with about three significant digits for small amounts:
 * `$1.23`, `$0.0123`, `$0.000456`, `$0.00`; `unpriced` for null (a model without a price).
 */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return 'unpriced';
  if (usd === 0) return '$0.00';
  const sign = usd < 0 ? '-' : '';
  const v = Math.abs(usd);
  if (v >= 1) return `${sign}$${v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  if (v >= 0.01) return `${sign}$${v.toFixed(4)}`;
  const decimals = Math.min(10, 2 - Math.floor(Math.log10(v)));
  return `${sign}$${v.toFixed(decimals)}`;
}

/** `2025-01-31 14:03:07.123` in the viewer's local time; `—` when invalid. */
export function formatTimestamp(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '—';
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`
  );
}
