import { Preview } from './Preview';

export default async function DevPreviewTracePage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const one = (key: string) => (typeof params[key] === 'string' ? (params[key] as string) : undefined);
  return (
    <main className="h-screen p-4">
      <Preview
        n={one('n') ? Number(one('n')) : undefined}
        shape={one('shape') as 'mixed' | 'wide' | 'deep' | undefined}
        mode={one('mode')}
        span={one('span')}
      />
    </main>
  );
}
