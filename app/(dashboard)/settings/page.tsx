import type { Metadata } from 'next';
import { PageHeader } from '@/components/shell/PageHeader';
import { AccountCard } from '@/components/settings/AccountCard';
import { ApiKeys, type ApiKeyRow } from '@/components/settings/ApiKeys';
import { SharedLinks } from '@/components/settings/SharedLinks';
import { Privacy } from '@/components/settings/Privacy';
import { readAppConfig } from '@/lib/config/app.config';
import { readPrivacySettings } from '@/lib/privacy/store';
import { listApiKeys } from '@/lib/db/queries/accounts';
import { getAppContext } from '@/lib/server/context';
import { requirePageUser } from '@/lib/server/page-auth';
import { listShares } from '@/lib/share/shares';

export const metadata: Metadata = { title: 'Settings · LLMTrace' };
export const dynamic = 'force-dynamic';

const iso = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());

export default async function SettingsPage() {
  const user = await requirePageUser();
  const { database } = await getAppContext();
  const keys: ApiKeyRow[] = (await listApiKeys(database, { userId: user.userId })).map((key) => ({
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scope: key.scope,
    createdAt: iso(key.createdAt) ?? '',
    lastUsedAt: iso(key.lastUsedAt),
    revokedAt: iso(key.revokedAt),
  }));
  return (
    <main data-testid="settings-page">
      <PageHeader title="Settings" description="API keys, privacy and your account." />
      <div className="max-w-5xl space-y-4 p-6">
        <ApiKeys initialKeys={keys} />
        <SharedLinks initialShares={await listShares(database, { userId: user.userId })} />
        <Privacy initialSettings={{ ...(await readPrivacySettings(database, { userId: user.userId })), serverRetentionDays: readAppConfig().retentionDays }} />
        <AccountCard email={user.email} />
      </div>
    </main>
  );
}
