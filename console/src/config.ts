/**
 * The console's runtime settings, read from `/config.json` beside the bundle. One bundle serves
 * every stage: the deployment (or the local stack) writes the API URL and the sign-in settings.
 */

export interface DevAuthSettings {
  mode: 'dev';
}

export interface CognitoAuthSettings {
  mode: 'cognito';
  /** The OIDC issuer: https://cognito-idp.<region>.amazonaws.com/<user pool id> */
  authority: string;
  clientId: string;
  /** The hosted UI's base URL (https://<prefix>.auth.<region>.amazoncognito.com), for sign-out. */
  domain: string;
}

export interface ConsoleConfig {
  apiUrl: string;
  auth: DevAuthSettings | CognitoAuthSettings;
}

export class ConfigError extends Error {}

function text(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError(`config.json: ${name} must be a non-empty string`);
  }
  return value.trim();
}

function record(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`config.json: ${name} must be an object`);
  }
  return value as Record<string, unknown>;
}

/** Checks the shape of config.json; a wrong file is a clear error page, not a blank one. */
export function parseConfig(raw: unknown): ConsoleConfig {
  const body = record(raw, 'the document');
  const apiUrl = text(body['apiUrl'], 'apiUrl').replace(/\/+$/, '');
  const auth = record(body['auth'], 'auth');
  const mode = auth['mode'];
  if (mode === 'dev') {
    return { apiUrl, auth: { mode } };
  }
  if (mode === 'cognito') {
    return {
      apiUrl,
      auth: {
        mode,
        authority: text(auth['authority'], 'auth.authority'),
        clientId: text(auth['clientId'], 'auth.clientId'),
        domain: text(auth['domain'], 'auth.domain').replace(/\/+$/, ''),
      },
    };
  }
  throw new ConfigError('config.json: auth.mode must be "dev" or "cognito"');
}

export async function loadConfig(): Promise<ConsoleConfig> {
  // The default cache mode: index.html preloads it, and its Cache-Control (no-cache) keeps it fresh.
  const response = await fetch('/config.json');
  if (!response.ok) {
    throw new ConfigError(`config.json could not be read (HTTP ${response.status})`);
  }
  return parseConfig(await response.json());
}
