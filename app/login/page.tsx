import type { Metadata } from 'next';
import { Suspense } from 'react';
import { LoginForm } from '@/components/shell/LoginForm';
import { Logo } from '@/components/shell/Logo';

export const metadata: Metadata = { title: 'Sign in · LLMTrace' };

export default function LoginPage() {
  return (
    <main className="flex min-h-full items-center justify-center bg-gradient-to-b from-slate-50 to-slate-100 px-4">
      <div className="w-full max-w-sm">
        <div className="mb-8 flex justify-center">
          <Logo size="lg" />
        </div>
        <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
          <h1 className="text-lg font-semibold text-slate-900">Sign in</h1>
          <p className="mt-1 text-sm text-slate-500">Use the owner credentials printed when the server first started.</p>
          <Suspense>
            <LoginForm />
          </Suspense>
        </div>
      </div>
    </main>
  );
}
