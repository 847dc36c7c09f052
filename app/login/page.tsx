import type { Metadata } from 'next';
import { LoginForm } from '@/components/shell/LoginForm';
import { Logo } from '@/components/shell/Logo';
import { safeNextPath } from '@/lib/http/next-path';

export const metadata: Metadata = { title: 'Sign in · LLMTrace' };

type SearchParams = Record<string, string | string[] | undefined>;

/** What the login endpoint's form redirect reports (`/login?error=…`), in words. */
function errorMessage(params: SearchParams): string | null {
  const retry = Number(first(params.retry));
  switch (first(params.error)) {
    case 'invalid':
      return 'Wrong email or password.';
    case 'throttled':
      return `Too many failed sign-ins. Try again in ${Number.isInteger(retry) && retry > 0 ? retry : 60} s.`;
    default:
      return null;
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Rendered on the server, so the form is in the HTML and works before (or without) JavaScript. */
export default async function LoginPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  return (
    <main className="flex min-h-full items-center justify-center bg-gradient-to-b from-slate-50 to-slate-100 px-4">
      <div className="w-full max-w-sm">
        <div className="mb-8 flex justify-center">
          <Logo size="lg" />
        </div>
        <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
          <h1 className="text-lg font-semibold text-slate-900">Sign in</h1>
          <p className="mt-1 text-sm text-slate-500">Use the owner credentials printed when the server first started.</p>
          <LoginForm next={safeNextPath(first(params.next))} initialError={errorMessage(params)} />
        </div>
      </div>
    </main>
  );
}
