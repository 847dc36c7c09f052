'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { apiFetch } from '@/lib/client/api';

/** The signed-in account, with a "Sign out" button. */
export function AccountCard({ email }: { email: string }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  async function signOut() {
    setBusy(true);
    await apiFetch('/api/auth/logout', { method: 'POST' }).catch(() => {});
    router.replace('/login');
    router.refresh();
  }
  return (
    <section className="rounded-xl border border-slate-200 bg-white px-5 py-4 shadow-sm" data-testid="account">
      <h2 className="text-sm font-semibold text-slate-900">Account</h2>
      <div className="mt-3 flex flex-wrap items-center justify-between gap-3">
        <div>
          <div className="text-[11px] font-medium uppercase tracking-wide text-slate-500">Email</div>
          <div className="text-sm text-slate-900" data-testid="account-email">
            {email}
          </div>
        </div>
        <button
          type="button"
          onClick={signOut}
          disabled={busy}
          className="h-8 rounded-md border border-slate-200 bg-white px-3 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50 disabled:opacity-60"
          data-testid="settings-sign-out"
        >
          Sign out
        </button>
      </div>
    </section>
  );
}
