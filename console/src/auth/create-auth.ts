/**
 * The sign-in the deployment's config.json asks for. The development sign-in is small and part of
 * the start-up in the local build (compiled out of the AWS build with `__DEV_SIGN_IN__`); Cognito's
 * (oidc-client-ts) is a chunk of its own, which the start-up begins loading at once.
 */
import type { ConsoleConfig } from '../config';
import { ConfigError } from '../config';
import type { Auth } from './auth';
import { DevAuth } from './dev/dev-auth';

export async function createAuth(config: ConsoleConfig): Promise<Auth> {
  if (config.auth.mode === 'dev') {
    if (__DEV_SIGN_IN__) {
      return new DevAuth();
    }
    throw new ConfigError('config.json asks for the development sign-in, which this build does not have');
  }
  const { CognitoAuth } = await import('./cognito');
  return new CognitoAuth(config.auth);
}
