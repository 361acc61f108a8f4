/** Renders a screen's component with the console's providers and test data (no network). */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, type RenderResult } from '@testing-library/react';
import type { ReactNode } from 'react';
import { createMemoryRouter, RouterProvider } from 'react-router';

import type { Api } from '../../src/api/client';
import type { Auth } from '../../src/auth/auth';
import type { Identity } from '../../src/auth/identity';
import { NotificationsProvider } from '../../src/common/notifications';
import { SessionProvider } from '../../src/common/session';

const noAuth: Auth = {
  start: async () => null,
  identity: () => null,
  token: () => null,
  signIn: () => undefined,
  signOut: () => undefined,
};

export function renderWith(node: ReactNode, identity: Identity, api: Partial<Api> = {}): RenderResult {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const router = createMemoryRouter([{ path: '*', element: node }]);
  return render(
    <NotificationsProvider>
      <QueryClientProvider client={client}>
        <SessionProvider session={{ auth: noAuth, api: api as Api, identity }}>
          <RouterProvider router={router} />
        </SessionProvider>
      </QueryClientProvider>
    </NotificationsProvider>,
  );
}
