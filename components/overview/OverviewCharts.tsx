'use client';

import { useMemo, type ReactElement, type ReactNode } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  LabelList,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
  type DotItemDotProps,
  type TooltipContentProps,
} from 'recharts';
import {
  formatCost,
  formatCount,
  formatCountCompact,
  formatDuration,
  formatDurationShort,
  formatPeriod,
  formatTimeRange,
  formatTimeTick,
  truncate,
} from '@/lib/format';
import { pickTicks, RANGE_TICK_STEP, type RangeKey } from './range';
import type { ModelStats, StatsBucket } from '@/lib/trace-store/stats';

export const COLORS = {
  indigo: '#6366f1',
  red: '#ef4444',
  amber: '#f59e0b',
  emerald: '#10b981',
  grid: '#e2e8f0',
  axis: '#64748b',
} as const;

interface Row {
  t: number;
  requests: number;
  ok: number;
  errors: number;
  p50: number | null;
  p95: number | null;
  p50Isolated: boolean;
  p95Isolated: boolean;
  input: number;
  output: number;
}

const AXIS_TICK = { fill: COLORS.axis, fontSize: 11 };

function isolated(values: Array<number | null>, i: number): boolean {
  return values[i] !== null && (i === 0 || values[i - 1] === null) && (i === values.length - 1 || values[i + 1] === null);
}

function ChartCard({ title, subtitle, testId, children }: { title: string; subtitle?: string; testId: string; children: ReactNode }) {
  return (
    <section className="min-w-0 rounded-xl border border-slate-200 bg-white p-4 shadow-sm" data-testid={testId}>
      <div className="mb-3 flex items-baseline justify-between gap-2">
        <h2 className="text-sm font-semibold text-slate-900">{title}</h2>
        {subtitle && <span className="truncate text-xs text-slate-500">{subtitle}</span>}
      </div>
      {children}
    </section>
  );
}

interface TooltipLine {
  label: string;
  value: string;
  color: string;
}

function TooltipBox({ title, lines }: { title: string; lines: TooltipLine[] }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white px-3 py-2 text-xs shadow-lg">
      <div className="mb-1 font-medium text-slate-700">{title}</div>
      {lines.map((line) => (
        <div key={line.label} className="flex items-center justify-between gap-4 py-0.5">
          <span className="flex items-center gap-1.5 text-slate-500">
            <span className="h-2 w-2 rounded-sm" style={{ backgroundColor: line.color }} />
            {line.label}
          </span>
          <span className="font-mono tabular-nums text-slate-900">{line.value}</span>
        </div>
      ))}
    </div>
  );
}

/** A tooltip for the time-series charts: the bucket's time span and the lines `describe` gives. */
function timeTooltip(bucketMs: number, describe: (row: Row) => TooltipLine[]) {
  function TimeTooltip(props: TooltipContentProps) {
    const row = props.active ? (props.payload?.[0]?.payload as Row | undefined) : undefined;
    if (!row) return null;
    return <TooltipBox title={formatTimeRange(row.t, bucketMs)} lines={describe(row)} />;
  }
  return TimeTooltip;
}

function legendFormatter(value: string) {
  return <span className="text-xs text-slate-600">{value}</span>;
}

/**
 * The Overview's four charts: requests and errors, latency percentiles, cost by model and tokens.
 * Series buckets are continuous (empty ones are zero, with null percentiles drawn as gaps).
 */
export function OverviewCharts({
  series,
  byModel,
  range,
  bucketMs,
}: {
  series: StatsBucket[];
  byModel: ModelStats[];
  range: RangeKey;
  bucketMs: number;
}) {
  const rows = useMemo<Row[]>(() => {
    const p50s = series.map((s) => s.p50_ms);
    const p95s = series.map((s) => s.p95_ms);
    return series.map((s, i) => ({
      t: new Date(s.bucket).getTime(),
      requests: s.requests,
      ok: Math.max(0, s.requests - s.errors),
      errors: s.errors,
      p50: s.p50_ms,
      p95: s.p95_ms,
      p50Isolated: isolated(p50s, i),
      p95Isolated: isolated(p95s, i),
      input: s.input_tokens,
      output: s.output_tokens,
    }));
  }, [series]);

  const tickFormatter = (value: number) => formatTimeTick(value, RANGE_TICK_STEP[range]);
  const ticks = useMemo(() => pickTicks(rows.map((row) => row.t), range), [rows, range]);
  const xAxis = (
    <XAxis
      dataKey="t"
      type="category"
      tickFormatter={tickFormatter}
      tick={AXIS_TICK}
      tickLine={false}
      axisLine={{ stroke: COLORS.grid }}
      ticks={ticks}
      minTickGap={ticks ? 4 : 28}
      interval={ticks ? 0 : 'preserveStartEnd'}
    />
  );

  return (
    <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
      {stackedBars({
        title: 'Requests and errors',
        subtitle: `per ${formatPeriod(bucketMs)}`,
        testId: 'chart-requests',
        rows,
        xAxis,
        bucketMs,
        bars: [
          { key: 'ok', name: 'Succeeded', tooltip: 'Requests', value: (row) => row.requests, color: COLORS.indigo },
          { key: 'errors', name: 'Errors', tooltip: 'Errors', value: (row) => row.errors, color: COLORS.red },
        ],
      })}

      <ChartCard title="Latency" subtitle="p50 and p95 of request duration; gaps are buckets without requests" testId="chart-latency">
        <ResponsiveContainer width="100%" height={240}>
          <LineChart data={rows} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid vertical={false} stroke={COLORS.grid} />
            {xAxis}
            <YAxis tick={AXIS_TICK} tickLine={false} axisLine={false} width={48} tickFormatter={formatDurationShort} />
            <Tooltip
              cursor={{ stroke: '#cbd5e1' }}
              content={timeTooltip(bucketMs, (row) => [
                { label: 'p50', value: formatDuration(row.p50), color: COLORS.indigo },
                { label: 'p95', value: formatDuration(row.p95), color: COLORS.amber },
              ])}
            />
            <Legend itemSorter={null} verticalAlign="top" align="right" height={24} iconType="plainline" iconSize={12} formatter={legendFormatter} />
            <Line
              dataKey="p50"
              name="p50"
              stroke={COLORS.indigo}
              strokeWidth={2}
              connectNulls={false}
              dot={isolatedDot('p50Isolated', COLORS.indigo)}
              activeDot={{ r: 3 }}
              isAnimationActive={false}
            />
            <Line
              dataKey="p95"
              name="p95"
              stroke={COLORS.amber}
              strokeWidth={2}
              connectNulls={false}
              dot={isolatedDot('p95Isolated', COLORS.amber)}
              activeDot={{ r: 3 }}
              isAnimationActive={false}
            />
          </LineChart>
        </ResponsiveContainer>
      </ChartCard>

      <CostByModel byModel={byModel} />

      {stackedBars({
        title: 'Tokens',
        subtitle: `input and output per ${formatPeriod(bucketMs)}`,
        testId: 'chart-tokens',
        rows,
        xAxis,
        bucketMs,
        bars: [
          { key: 'input', name: 'Input', tooltip: 'Input', value: (row) => row.input, color: COLORS.indigo },
          { key: 'output', name: 'Output', tooltip: 'Output', value: (row) => row.output, color: COLORS.emerald },
        ],
      })}
    </div>
  );
}

interface StackedBar {
  key: keyof Row;
  /** Legend name. */
  name: string;
  /** Tooltip label and the value it shows (which may differ from the stacked part, e.g. all requests). */
  tooltip: string;
  value: (row: Row) => number;
  color: string;
}

/** A card with a stacked bar chart over time; bars are stacked in order, the last one rounded on top. */
function stackedBars({ title, subtitle, testId, rows, xAxis, bucketMs, bars }: { title: string; subtitle: string; testId: string; rows: Row[]; xAxis: ReactElement; bucketMs: number; bars: StackedBar[] }) {
  return (
    <ChartCard title={title} subtitle={subtitle} testId={testId}>
      <ResponsiveContainer width="100%" height={240}>
        <BarChart data={rows} margin={{ top: 4, right: 8, bottom: 0, left: 0 }} barCategoryGap="15%">
          <CartesianGrid vertical={false} stroke={COLORS.grid} />
          {xAxis}
          <YAxis allowDecimals={false} tick={AXIS_TICK} tickLine={false} axisLine={false} width={48} tickFormatter={formatCountCompact} />
          <Tooltip
            cursor={{ fill: '#f1f5f9' }}
            content={timeTooltip(bucketMs, (row) => bars.map((bar) => ({ label: bar.tooltip, value: formatCount(bar.value(row)), color: bar.color })))}
          />
          <Legend itemSorter={null} verticalAlign="top" align="right" height={24} iconType="square" iconSize={8} formatter={legendFormatter} />
          {bars.map((bar, i) => (
            <Bar
              key={bar.key}
              dataKey={bar.key}
              name={bar.name}
              stackId="stack"
              fill={bar.color}
              radius={i === bars.length - 1 ? [2, 2, 0, 0] : undefined}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}

/** Lines skip null buckets; a point with null neighbours would be invisible, so it gets a dot. */
function isolatedDot(flag: 'p50Isolated' | 'p95Isolated', color: string) {
  function IsolatedDot(props: DotItemDotProps) {
    const row = props.payload as Row | undefined;
    if (!row?.[flag] || props.cx == null || props.cy == null) return null;
    return <circle key={`${flag}-${props.index}`} cx={props.cx} cy={props.cy} r={3} fill={color} stroke="#fff" strokeWidth={1} />;
  }
  return IsolatedDot;
}

interface ModelRow {
  label: string;
  cost: number;
  costLabel: string;
  priced: boolean;
  requests: number;
  tokens: number;
  unpriced: number;
}

function modelLabel(model: ModelStats): string {
  const name = model.model_name ?? '(no model)';
  return model.model_provider ? `${model.model_provider}/${name}` : name;
}

function CostByModel({ byModel }: { byModel: ModelStats[] }) {
  const rows = useMemo<ModelRow[]>(
    () =>
      byModel
        .map((m) => ({
          label: modelLabel(m),
          cost: m.cost_usd ?? 0,
          costLabel: m.cost_usd === null ? 'unpriced' : `${formatCost(m.cost_usd)}${m.unpriced_requests > 0 ? ` (+${formatCount(m.unpriced_requests)} unpriced)` : ''}`,
          priced: m.cost_usd !== null,
          requests: m.requests,
          tokens: m.tokens,
          unpriced: m.unpriced_requests,
        }))
        .sort((a, b) => b.cost - a.cost || b.requests - a.requests),
    [byModel],
  );
  const height = Math.max(240, rows.length * 34 + 24);
  const labelWidth = Math.min(220, Math.max(80, ...rows.map((r) => Math.min(r.label.length, 30) * 7 + 12)));

  function ModelTooltip(props: TooltipContentProps) {
    const row = props.active ? (props.payload?.[0]?.payload as ModelRow | undefined) : undefined;
    if (!row) return null;
    return (
      <TooltipBox
        title={row.label}
        lines={[
          { label: 'Cost', value: row.priced ? formatCost(row.cost) : 'unpriced', color: COLORS.emerald },
          { label: 'Requests', value: formatCount(row.requests), color: COLORS.indigo },
          { label: 'Tokens', value: formatCount(row.tokens), color: COLORS.amber },
          ...(row.unpriced > 0 ? [{ label: 'Unpriced requests', value: formatCount(row.unpriced), color: '#94a3b8' }] : []),
        ]}
      />
    );
  }

  return (
    <ChartCard title="Cost by model" subtitle="models missing from the price table are unpriced" testId="chart-cost-by-model">
      {rows.length === 0 ? (
        <p className="py-10 text-center text-sm text-slate-500">No model calls in this range.</p>
      ) : (
        <ResponsiveContainer width="100%" height={height}>
          <BarChart data={rows} layout="vertical" margin={{ top: 0, right: 120, bottom: 0, left: 0 }} barCategoryGap={8}>
            <CartesianGrid horizontal={false} stroke={COLORS.grid} />
            <XAxis type="number" tick={AXIS_TICK} tickLine={false} axisLine={{ stroke: COLORS.grid }} tickFormatter={(v: number) => formatCost(v)} />
            <YAxis
              type="category"
              dataKey="label"
              width={labelWidth}
              tick={{ ...AXIS_TICK, fill: '#334155' }}
              tickLine={false}
              axisLine={false}
              tickFormatter={(v: string) => truncate(v, 30)}
            />
            <Tooltip cursor={{ fill: '#f1f5f9' }} content={ModelTooltip} />
            <Bar dataKey="cost" name="Cost" fill={COLORS.emerald} radius={[0, 3, 3, 0]} minPointSize={2} maxBarSize={22} isAnimationActive={false}>
              {rows.map((row) => (
                <Cell key={row.label} fill={row.priced ? COLORS.emerald : '#cbd5e1'} />
              ))}
              <LabelList dataKey="costLabel" position="right" style={{ fill: COLORS.axis, fontSize: 11 }} />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      )}
    </ChartCard>
  );
}
