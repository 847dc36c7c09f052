import 'server-only';
import { countUsers, createUserAccount } from '@/lib/auth/accounts';
import { generatePassword } from '@/lib/auth/secrets';
import type { Database } from '@/lib/db/client';
import { withStartupLock } from '@/lib/db/migrate';
import { ApiError } from '@/lib/http/errors';

export interface OwnerCredentials {
  email: string;
  password: string;
  apiKey: string;
  passwordGenerated: boolean;
}

/**
 * On an empty database, creates the owner account from ADMIN_EMAIL / ADMIN_PASSWORD (or a
 * generated password) with one full-scope API key. Returns null when any user exists already.
 *
 * Safe for several processes starting at once on one Postgres: the check and the insert run under
 * the start-up lock, so exactly one process creates the owner and gets the credentials (to print
 * once); the others find a user and return null. Should a process without the lock (an older
 * version) insert the same email first, the unique email makes ours lose quietly: null again.
 */
export async function ensureOwnerAccount(
  database: Database,
  { adminEmail, adminPassword }: { adminEmail?: string; adminPassword?: string },
): Promise<OwnerCredentials | null> {
  return withStartupLock(database, async () => {
    if ((await countUsers(database)) > 0) return null;
    const email = adminEmail ?? 'admin@llmtrace.local';
    const password = adminPassword ?? generatePassword();
    try {
      const { apiKey } = await createUserAccount(database, { email, password, keyName: 'owner' });
      return { email, password, apiKey, passwordGenerated: !adminPassword };
    } catch (error) {
      if (error instanceof ApiError && error.code === 'conflict') return null;
      throw error;
    }
  });
}

export function formatOwnerBanner(owner: OwnerCredentials, url: string): string {
  const lines = [
    'LLMTrace created your owner account. These credentials are shown ONCE; save them now.',
    '',
    `  Dashboard  ${url}/login`,
    `  Email      ${owner.email}`,
    `  Password   ${owner.password}${owner.passwordGenerated ? '   (generated; set ADMIN_PASSWORD to choose your own)' : ''}`,
    `  API key    ${owner.apiKey}`,
    '',
    `Sample traces:  npm run demo -- --key ${owner.apiKey}`,
  ];
  const width = Math.max(...lines.map((l) => l.length)) + 2;
  const bar = '─'.repeat(width);
  return [`┌${bar}┐`, ...lines.map((l) => `│ ${l.padEnd(width - 1)}│`), `└${bar}┘`].join('\n');
}
