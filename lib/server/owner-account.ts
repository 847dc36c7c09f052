import 'server-only';
import { countUsers, createUserAccount } from '@/lib/auth/accounts';
import { generatePassword } from '@/lib/auth/secrets';
import type { Database } from '@/lib/db/client';

export interface OwnerCredentials {
  email: string;
  password: string;
  apiKey: string;
  passwordGenerated: boolean;
}

/**
 * On an empty database, creates the owner account from ADMIN_EMAIL / ADMIN_PASSWORD (or a
 * generated password) with one full-scope API key. Returns null when any user exists already.
 */
export async function ensureOwnerAccount(
  database: Database,
  { adminEmail, adminPassword }: { adminEmail?: string; adminPassword?: string },
): Promise<OwnerCredentials | null> {
  if ((await countUsers(database)) > 0) return null;
  const email = adminEmail ?? 'admin@llmtrace.local';
  const password = adminPassword ?? generatePassword();
  const { apiKey } = await createUserAccount(database, { email, password, keyName: 'owner' });
  return { email, password, apiKey, passwordGenerated: !adminPassword };
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
