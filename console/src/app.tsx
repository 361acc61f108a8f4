/**
 * The console's providers and routes. Every screen is its own chunk (loaded when first visited),
 * so the first screen downloads only the shell and the batches list.
 */
import Spinner from '@cloudscape-design/components/spinner';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { createBrowserRouter, Navigate, RouterProvider, type RouteObject } from 'react-router';

import type { Api } from './api/client';
import { ApiError, messageOf } from './api/errors';
import type { Auth } from './auth/auth';
import type { Identity } from './auth/identity';
import { NotificationsProvider, useNotifications } from './common/notifications';
import { homeOf } from './common/navigation-agents';
import { SessionProvider, useSession } from './common/session';
import { Shell } from './common/shell';
import type { FirstScreen } from './first-screen';

const loading = <Spinner size="large" />;
const screen = (load: () => Promise<{ default: React.ComponentType }>): RouteObject['lazy'] => async () => ({
  Component: (await load()).default,
});

export const ROUTES: RouteObject[] = [
  ...(__DEV_SIGN_IN__
    ? [{ path: '/sign-in', hydrateFallbackElement: loading, lazy: screen(() => import('./pages/dev-sign-in/dev-sign-in-page')) }]
    : []),
  {
    path: '/',
    Component: Shell,
    hydrateFallbackElement: loading,
    children: [
      { index: true, Component: Home },
      { path: 'batches', lazy: screen(() => import('./pages/batches/batches-page')) },
      { path: 'batches/new', lazy: screen(() => import('./pages/new-batch/new-batch-page')) },
      { path: 'batches/:batchId', lazy: screen(() => import('./pages/batch-detail/batch-detail-page')) },
      { path: 'cards/:cardId', lazy: screen(() => import('./pages/card-detail/card-detail-page')) },
      { path: 'processes', lazy: screen(() => import('./pages/processes/processes-page')) },
      { path: 'processes/new', lazy: screen(() => import('./pages/process-edit/process-create-page')) },
      { path: 'processes/:processId', lazy: screen(() => import('./pages/process-edit/process-page')) },
      { path: 'schedules', lazy: screen(() => import('./pages/schedules/schedules-page')) },
      { path: 'schedules/new', lazy: screen(() => import('./pages/schedules/schedule-edit-page')) },
      { path: 'schedules/:scheduleId', lazy: screen(() => import('./pages/schedules/schedule-detail-page')) },
      { path: 'schedules/:scheduleId/edit', lazy: screen(() => import('./pages/schedules/schedule-edit-page')) },
      { path: 'contacts', lazy: screen(() => import('./pages/contacts/contacts-page')) },
      { path: 'contacts/import', lazy: screen(() => import('./pages/contacts/contact-import-page')) },
      { path: 'contacts/:contactId', lazy: screen(() => import('./pages/contacts/contact-detail-page')) },
      { path: 'communications/:batchId', lazy: screen(() => import('./pages/communication/communication-page')) },
      { path: 'workspace', lazy: screen(() => import('./pages/workspace/workspace-page')) },
      { path: 'queues', lazy: screen(() => import('./pages/queues/queues-page')) },
      { path: 'agents', lazy: screen(() => import('./pages/agents/agents-page')) },
      { path: 'organisation', lazy: screen(() => import('./pages/organisation/organisation-page')) },
      { path: '*', lazy: screen(() => import('./pages/not-found/not-found-page')) },
    ],
  },
];

/** `/`: the user's own first screen (an agent's workspace, everyone else's batches). */
function Home() {
  return <Navigate to={homeOf(useSession().identity)} replace />;
}

function retryable(failures: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status < 500) {
    return false; // a refusal does not change by asking again
  }
  return failures < 2;
}

interface AppProps {
  auth: Auth;
  api: Api;
  identity: Identity;
  firstScreen: FirstScreen | null;
}

function Providers({ auth, api, identity, firstScreen }: AppProps) {
  const { notify } = useNotifications();
  const [queryClient] = useState(
    () =>
      new QueryClient({
        queryCache: new QueryCache({
          onError: (error, query) => {
            if (error instanceof ApiError && error.expired) return; // on the way to sign-in
            notify({ type: 'error', id: `query:${JSON.stringify(query.queryKey)}`, header: 'Could not load', content: messageOf(error) });
          },
        }),
        mutationCache: new MutationCache({
          onError: (error, _variables, _context, mutation) => {
            if (error instanceof ApiError && error.expired) return;
            if (mutation.meta?.['quiet']) return; // the screen shows this error where it belongs
            notify({ type: 'error', content: messageOf(error) });
          },
        }),
        defaultOptions: { queries: { staleTime: 5_000, retry: retryable, refetchOnWindowFocus: true } },
      }),
  );
  useState(() => {
    // The first screen's list is already on its way (first-screen.ts): the screen's query takes it.
    if (firstScreen) void queryClient.prefetchQuery({ queryKey: firstScreen.queryKey, queryFn: () => firstScreen.list });
  });
  const router = useMemo(() => createBrowserRouter(ROUTES.filter((route) => route.path !== '/sign-in')), []);
  return (
    <QueryClientProvider client={queryClient}>
      <SessionProvider session={{ auth, api, identity }}>
        <RouterProvider router={router} />
      </SessionProvider>
    </QueryClientProvider>
  );
}

export function App(props: AppProps) {
  return (
    <NotificationsProvider>
      <Providers {...props} />
    </NotificationsProvider>
  );
}

/** The screens a visitor who is not signed in may see (the development sign-in, locally). */
export function PublicApp() {
  const router = useMemo(() => createBrowserRouter(ROUTES.filter((route) => route.path === '/sign-in')), []);
  return <RouterProvider router={router} />;
}
