/**
 * The signed-in session: who the user is (for role-aware screens), the typed API client that
 * carries their token, and sign-in/out. Provided once, read by every screen and hook.
 */
import { createContext, useContext, type ReactNode } from 'react';

import type { Api } from '../api/client';
import type { Auth } from '../auth/auth';
import type { Identity } from '../auth/identity';

export interface Session {
  auth: Auth;
  api: Api;
  identity: Identity;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ session, children }: { session: Session; children: ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) {
    throw new Error('useSession outside a SessionProvider');
  }
  return session;
}

export function useApi(): Api {
  return useSession().api;
}

export function useIdentity(): Identity {
  return useSession().identity;
}
