/**
 * Cognito's hosted UI with the authorization-code flow and PKCE (oidc-client-ts). The ID token is
 * the API's bearer token (the user-pool authorizer verifies it); tokens live in sessionStorage.
 */
import { UserManager, WebStorageStateStore, type UserManagerSettings } from 'oidc-client-ts';

import type { CognitoAuthSettings } from '../config';
import { safeReturn, type Auth } from './auth';
import { claimsOf, identityFromClaims, type Identity } from './identity';

export const CALLBACK_PATH = '/callback';

export function userManagerSettings(settings: CognitoAuthSettings, origin: string): UserManagerSettings {
  return {
    authority: settings.authority,
    client_id: settings.clientId,
    redirect_uri: `${origin}${CALLBACK_PATH}`,
    post_logout_redirect_uri: `${origin}/`,
    response_type: 'code', // PKCE is on for the code flow
    scope: 'openid email profile',
    automaticSilentRenew: true, // with the refresh token, before the ID token expires
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
  };
}

/** Cognito's own logout endpoint (its discovery document names none). */
export function logoutUrl(settings: CognitoAuthSettings, origin: string): string {
  const query = new URLSearchParams({ client_id: settings.clientId, logout_uri: `${origin}/` });
  return `${settings.domain}/logout?${query.toString()}`;
}

interface ReturnState {
  returnTo: string;
}

export class CognitoAuth implements Auth {
  private readonly manager: UserManager;
  private idToken: string | null = null;
  private current: Identity | null = null;

  constructor(private readonly settings: CognitoAuthSettings) {
    this.manager = new UserManager(userManagerSettings(settings, window.location.origin));
    this.manager.events.addUserLoaded((user) => this.remember(user.id_token ?? null));
    this.manager.events.addUserUnloaded(() => this.remember(null));
  }

  private remember(token: string | null): void {
    const claims = token ? claimsOf(token) : null;
    this.idToken = token;
    this.current = claims ? identityFromClaims(claims) : null;
  }

  async start(): Promise<string | null> {
    if (window.location.pathname === CALLBACK_PATH) {
      const user = await this.manager.signinRedirectCallback();
      this.remember(user.id_token ?? null);
      const state = user.state as ReturnState | undefined;
      return safeReturn(state?.returnTo);
    }
    const user = await this.manager.getUser();
    this.remember(user && !user.expired ? (user.id_token ?? null) : null);
    return null;
  }

  identity(): Identity | null {
    if (this.current && this.current.expiresAt * 1000 <= Date.now()) {
      return null;
    }
    return this.current;
  }

  token(): string | null {
    return this.identity() ? this.idToken : null;
  }

  signIn(returnTo: string): void {
    void this.manager.signinRedirect({ state: { returnTo: safeReturn(returnTo) } satisfies ReturnState });
  }

  signOut(): void {
    void this.manager.removeUser().then(() => {
      window.location.assign(logoutUrl(this.settings, window.location.origin));
    });
  }
}
