import type { Metadata } from 'next';
import { PageHeader } from '@/components/shell/PageHeader';

export const metadata: Metadata = { title: 'Overview · LLMTrace' };

export default function OverviewPage() {
  return (
    <main>
      <PageHeader title="Overview" description="Requests, errors, latency, cost and tokens across your traced LLM calls." />
      <div className="p-6 text-sm text-slate-500">Charts arrive with the dashboard.</div>
    </main>
  );
}
