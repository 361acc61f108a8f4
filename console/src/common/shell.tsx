/**
 * The frame of every signed-in screen (STYLE 15): top navigation with the user and sign-out, the
 * AppLayout with side navigation, breadcrumbs and the flash bar, and the screen in the middle.
 * Screens name their breadcrumbs with `usePageTitle`.
 */
import AppLayout from '@cloudscape-design/components/app-layout';
import BreadcrumbGroup, { type BreadcrumbGroupProps } from '@cloudscape-design/components/breadcrumb-group';
import SideNavigation, { type SideNavigationProps } from '@cloudscape-design/components/side-navigation';
import Spinner from '@cloudscape-design/components/spinner';
import TopNavigation from '@cloudscape-design/components/top-navigation';
import { createContext, Suspense, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Outlet, useLocation } from 'react-router';

import { useFollow } from './links';
import { NotificationsBar } from './notifications';
import { agentsNavigation, homeOf } from './navigation-agents';
import { canManageProcesses, isAgent } from './permissions';
import { useSession } from './session';
import { appLayoutLabels, LABELS, PRODUCT } from './strings';

type Crumbs = BreadcrumbGroupProps.Item[];
const CrumbsContext = createContext<(crumbs: Crumbs) => void>(() => undefined);

/** Sets the page's breadcrumbs (the last one is the page) and the document title. */
export function usePageTitle(crumbs: Crumbs): void {
  const set = useContext(CrumbsContext);
  const key = JSON.stringify(crumbs);
  useEffect(() => {
    set(crumbs);
    const last = crumbs[crumbs.length - 1];
    document.title = last ? `${last.text} · ${PRODUCT}` : PRODUCT;
  }, [key, set]);
}

function Navigation() {
  const { identity } = useSession();
  const location = useLocation();
  const follow = useFollow();
  const items: SideNavigationProps.Item[] = isAgent(identity)
    ? []
    : [
        { type: 'link', text: 'Batches', href: '/batches' },
        { type: 'link', text: 'New batch', href: '/batches/new' },
      ];
  if (canManageProcesses(identity)) {
    items.push({ type: 'link', text: 'Processes', href: '/processes' });
  }
  if (!isAgent(identity)) {
    items.push({ type: 'link', text: 'Schedules', href: '/schedules' });
    items.push({ type: 'link', text: 'Contacts', href: '/contacts' });
  }
  items.push(...agentsNavigation(identity));
  const section = `/${location.pathname.split('/')[1] ?? ''}`;
  const active = location.pathname === '/batches/new' ? '/batches/new' : section === '/communications' ? '/contacts' : section;
  return <SideNavigation header={{ text: PRODUCT, href: homeOf(identity) }} items={items} activeHref={active} onFollow={follow} />;
}

export function Shell() {
  const { identity, auth } = useSession();
  const [crumbs, setCrumbs] = useState<Crumbs>([]);
  const follow = useFollow();
  const setter = useMemo(() => setCrumbs, []);
  return (
    <CrumbsContext.Provider value={setter}>
      <div id="top-nav">
        <TopNavigation
          identity={{ href: homeOf(identity), title: PRODUCT, onFollow: (event) => follow(event) }}
          utilities={[
            {
              type: 'menu-dropdown',
              text: identity.email,
              description: `${identity.role} · ${identity.orgId}`,
              iconName: 'user-profile',
              items: [{ id: 'sign-out', text: LABELS.signOut }],
              onItemClick: (event) => {
                if (event.detail.id === 'sign-out') {
                  auth.signOut();
                }
              },
            },
          ]}
        />
      </div>
      <AppLayout
        headerSelector="#top-nav"
        ariaLabels={appLayoutLabels}
        navigation={<Navigation />}
        notifications={<NotificationsBar />}
        breadcrumbs={<BreadcrumbGroup items={crumbs} ariaLabel="Breadcrumbs" onFollow={follow} />}
        toolsHide
        content={
          <Suspense fallback={<Spinner size="large" />}>
            <Outlet />
          </Suspense>
        }
      />
    </CrumbsContext.Provider>
  );
}

export function Centered({ children }: { children: ReactNode }) {
  return <div className="centered">{children}</div>;
}
