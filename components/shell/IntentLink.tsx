'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import type { ComponentProps } from 'react';

/**
 * A link whose page is prefetched when it is pointed at or focused, not whenever it is shown
 * (Next.js's default). Each prefetch is a render on the server: the sidebar's and breadcrumb's
 * links, prefetched all at once on every page load, competed with the page's own requests on a
 * small server (a 100k-span trace's outline arrived 0.3–0.9 s later).
 */
export function IntentLink({ href, onMouseEnter, onFocus, ...props }: Omit<ComponentProps<typeof Link>, 'prefetch' | 'href'> & { href: string }) {
  const router = useRouter();
  return (
    <Link
      {...props}
      href={href}
      prefetch={false}
      onMouseEnter={(event) => {
        router.prefetch(href);
        onMouseEnter?.(event);
      }}
      onFocus={(event) => {
        router.prefetch(href);
        onFocus?.(event);
      }}
    />
  );
}
