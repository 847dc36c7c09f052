import { readAppConfig } from '@/lib/config/app.config';
import { parseJsonBody } from '@/lib/http/body';
import { authenticated, otherMethods } from '@/lib/http/route';
import { PrivacySettingsBody, type PrivacySettings } from '@/lib/privacy/settings';
import { readPrivacySettings, savePrivacySettings } from '@/lib/privacy/store';

/** The settings, plus the server's default retention (read-only, ignored by PUT). */
const withServerDefaults = (settings: PrivacySettings) => ({ ...settings, serverRetentionDays: readAppConfig().retentionDays });

/** `GET /api/settings/privacy`: the account's masking, sampling and retention settings. */
export const GET = authenticated(async ({ database, principal }) =>
  Response.json(withServerDefaults(await readPrivacySettings(database, { userId: principal.userId }))),
);

/** `PUT /api/settings/privacy`: replaces them; an invalid or dangerous pattern is a 422 naming it and why. */
export const PUT = authenticated(async ({ database, principal, request }) => {
  const settings = await parseJsonBody(request, PrivacySettingsBody);
  return Response.json(withServerDefaults(await savePrivacySettings(database, { userId: principal.userId, settings })));
});

export const { POST, PATCH, DELETE, OPTIONS } = otherMethods('GET', 'PUT');
