'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import type { ComponentProps } from 'react';

/**
 * A link whose page is prefetched when it is pointed at or focused, not whenever it is shown
 * (Next.js's default). Each prefetch is a render on the server: on every page load the sidebar's
 * eight links, and on the trace list each row's trace and filter chips, went all at once and
 * competed with the page's own requests on a small server (a 100k-span trace's outline came back
 * 0.9 s after it was asked for instead of 0.33 s). Every in-app link uses it; nothing else imports
 * `next/link`.
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
