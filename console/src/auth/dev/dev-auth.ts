/**
 * The local stack's development sign-in (never in the AWS build): a token minted by the local
 * console server's `/_local/token` for any email, role and organisation, kept in sessionStorage.
 * `?dev_user=EMAIL&dev_role=ROLE&dev_org=ORG` on any console URL signs in directly (scripts, tests).
 */
import { safeReturn, type Auth } from '../auth';
import { claimsOf, identityFromClaims, ROLES, type Identity, type Role } from '../identity';

const STORAGE_KEY = 'dispatch.dev-token';
export const SIGN_IN_PATH = '/sign-in';

export interface DevUser {
  user: string;
  role: Role;
  org: string;
}

/** The `dev_*` parameters of a URL, when all three are there and the role is known. */
export function devUserFromQuery(search: string): DevUser | null {
  const query = new URLSearchParams(search);
  const user = query.get('dev_user')?.trim();
  const role = query.get('dev_role')?.trim();
  const org = query.get('dev_org')?.trim();
  if (!user || !role || !org || !(ROLES as readonly string[]).includes(role)) {
    return null;
  }
  return { user, role: role as Role, org };
}

/** The same search string without the `dev_*` parameters. */
export function withoutDevParameters(search: string): string {
  const query = new URLSearchParams(search);
  for (const name of ['dev_user', 'dev_role', 'dev_org']) {
    query.delete(name);
  }
  const rest = query.toString();
  return rest ? `?${rest}` : '';
}

export async function mintToken(who: DevUser): Promise<string> {
  const response = await fetch('/_local/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(who),
  });
  const body: unknown = await response.json().catch(() => null);
  const token = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['token'] : null;
  if (!response.ok || typeof token !== 'string') {
    const message =
      typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['message'] : null;
    throw new Error(typeof message === 'string' ? message : `sign-in failed (HTTP ${response.status})`);
  }
  return token;
}

export class DevAuth implements Auth {
  async start(): Promise<string | null> {
    const who = devUserFromQuery(window.location.search);
    if (!who) {
      return null;
    }
    this.store(await mintToken(who));
    return `${window.location.pathname}${withoutDevParameters(window.location.search)}`;
  }

  store(token: string): void {
    window.sessionStorage.setItem(STORAGE_KEY, token);
  }

  identity(): Identity | null {
    const token = window.sessionStorage.getItem(STORAGE_KEY);
    const claims = token ? claimsOf(token) : null;
    const identity = claims ? identityFromClaims(claims) : null;
    return identity && identity.expiresAt * 1000 > Date.now() ? identity : null;
  }

  token(): string | null {
    return this.identity() ? window.sessionStorage.getItem(STORAGE_KEY) : null;
  }

  signIn(returnTo: string): void {
    window.sessionStorage.removeItem(STORAGE_KEY); // refused or expired: it is of no more use
    const query = new URLSearchParams({ return: safeReturn(returnTo) });
    window.location.assign(`${SIGN_IN_PATH}?${query.toString()}`);
  }

  signOut(): void {
    window.sessionStorage.removeItem(STORAGE_KEY);
    window.location.assign(SIGN_IN_PATH);
  }
}
