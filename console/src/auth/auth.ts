/**
 * Sign-in, whichever way the deployment does it: Cognito's hosted UI (authorization code + PKCE)
 * in AWS, the development sign-in on the local stack. The rest of the console sees only this.
 */
import type { Identity } from './identity';

export interface Auth {
  /** Finishes a sign-in in progress (a redirect back, a `?dev_user=` link); the path to go to next. */
  start(): Promise<string | null>;
  /** The signed-in user, or null when nobody is signed in or the session has expired. */
  identity(): Identity | null;
  /** The bearer token for the API. */
  token(): string | null;
  /** Goes to sign-in; afterwards the user comes back to `returnTo`. */
  signIn(returnTo: string): void;
  signOut(): void;
}

/** The path (with query) of the current page, to come back to after signing in. */
export function currentPath(): string {
  return `${window.location.pathname}${window.location.search}`;
}

/** Only same-site paths are followed after sign-in (no open redirect through `?return=`). */
export function safeReturn(path: string | null | undefined): string {
  if (!path || !path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) {
    return '/';
  }
  return path;
}
