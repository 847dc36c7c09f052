import type { ReactNode } from 'react';
import { Sidebar } from '@/components/shell/Sidebar';
import { requirePageUser } from '@/lib/server/page-auth';

export const dynamic = 'force-dynamic';

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const user = await requirePageUser();
  return (
    <div className="flex h-full min-h-screen">
      <Sidebar email={user.email} />
      <div className="min-w-0 flex-1" data-testid="dashboard-shell">
        {children}
      </div>
    </div>
  );
}
