import { describe, expect, it } from 'vitest';
import { safeNextPath } from '@/lib/http/next-path';

describe('safeNextPath', () => {
  it('keeps a path on this site with its query and fragment', () => {
    expect(safeNextPath('/analytics/traces?status=failed#top')).toBe('/analytics/traces?status=failed#top');
  });

  it.each([null, undefined, '', 'analytics', '//evil.example', '/\\evil.example', 'https://evil.example/x', 'javascript:alert(1)', '/%5C%5Cevil.example'])(
    'sends %j to the dashboard instead of off-site',
    (next) => {
      const path = safeNextPath(next);
      expect(path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/\\')).toBe(true);
      if (next !== '/%5C%5Cevil.example') expect(path).toBe('/analytics');
    },
  );
});
