'use client';

import { usePathname, useRouter } from 'next/navigation';
import { apiFetch } from '@/lib/client/api';
import { IntentLink } from './IntentLink';
import { Logo } from './Logo';

const NAV = [
  { href: '/analytics', label: 'Overview', icon: 'M4 19V9m6 10V5m6 14v-7m4 7H2', exact: true },
  { href: '/analytics/traces', label: 'Traces', icon: 'M4 6h10M7 12h13M10 18h7' },
  { href: '/analytics/sessions', label: 'Sessions', icon: 'M4 5h16v11H9l-5 4V5Zm4 5h8m-8 3h5' },
  { href: '/analytics/users', label: 'Users', icon: 'M16 19v-1a4 4 0 0 0-4-4H7a4 4 0 0 0-4 4v1m6.5-9a3 3 0 1 0 0-6 3 3 0 0 0 0 6ZM21 19v-1a4 4 0 0 0-3-3.9M15 4.1a3 3 0 0 1 0 5.8' },
  { href: '/analytics/quality', label: 'Quality issues', icon: 'M12 9v4m0 4h.01M10.3 3.9 2.4 18a2 2 0 0 0 1.7 3h15.8a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0Z' },
  { href: '/chat', label: 'Playground', icon: 'M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12Z' },
  { href: '/settings', label: 'Settings', icon: 'M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6Zm7.4-3a7.4 7.4 0 0 0-.1-1.2l2-1.6-2-3.4-2.4 1a7.3 7.3 0 0 0-2-1.2L14.5 3h-5l-.4 2.6a7.3 7.3 0 0 0-2 1.2l-2.4-1-2 3.4 2 1.6a7.4 7.4 0 0 0 0 2.4l-2 1.6 2 3.4 2.4-1a7.3 7.3 0 0 0 2 1.2l.4 2.6h5l.4-2.6a7.3 7.3 0 0 0 2-1.2l2.4 1 2-3.4-2-1.6c.1-.4.1-.8.1-1.2Z' },
];

export function Sidebar({ email }: { email: string }) {
  const pathname = usePathname();
  const router = useRouter();

  async function signOut() {
    await apiFetch('/api/auth/logout', { method: 'POST' }).catch(() => {});
    router.replace('/login');
    router.refresh();
  }

  return (
    <aside className="sticky top-0 flex h-screen w-56 shrink-0 flex-col border-r border-slate-200 bg-white" data-testid="sidebar">
      <div className="px-4 py-4">
        <IntentLink href="/analytics">
          <Logo />
        </IntentLink>
      </div>
      <nav className="flex-1 space-y-0.5 px-2">
        {NAV.map((item) => {
          const active = item.exact ? pathname === item.href : pathname === item.href || pathname.startsWith(`${item.href}/`);
          return (
            <IntentLink
              key={item.href}
              href={item.href}
              className={`flex items-center gap-2.5 rounded-md px-2.5 py-1.5 text-sm ${active ? 'bg-indigo-50 font-medium text-indigo-700' : 'text-slate-600 hover:bg-slate-50 hover:text-slate-900'}`}
            >
              <svg viewBox="0 0 24 24" className="h-4 w-4 shrink-0" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden>
                <path d={item.icon} />
              </svg>
              {item.label}
            </IntentLink>
          );
        })}
      </nav>
      <div className="border-t border-slate-100 px-3 py-3">
        <div className="truncate text-xs text-slate-500" title={email} data-testid="current-user">
          {email}
        </div>
        <button type="button" onClick={signOut} className="mt-1 text-xs font-medium text-slate-600 hover:text-slate-900" data-testid="sign-out">
          Sign out
        </button>
      </div>
    </aside>
  );
}
