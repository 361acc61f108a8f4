/**
 * In-app links: Cloudscape's Link and buttons with real hrefs (keyboard, middle-click, screen
 * readers) that navigate inside the single-page app instead of reloading it.
 */
import Link, { type LinkProps } from '@cloudscape-design/components/link';
import type { ReactNode } from 'react';
import { useNavigate } from 'react-router';

export function useFollow(): (event: CustomEvent<{ href?: string; external?: boolean }>) => void {
  const navigate = useNavigate();
  return (event) => {
    const href = event.detail.href;
    if (href && !event.detail.external && href.startsWith('/')) {
      event.preventDefault();
      void navigate(href);
    }
  };
}

export function RouterLink({ href, children, ...rest }: { href: string; children: ReactNode } & Omit<LinkProps, 'href' | 'onFollow'>) {
  const follow = useFollow();
  return (
    <Link href={href} onFollow={follow} {...rest}>
      {children}
    </Link>
  );
}
