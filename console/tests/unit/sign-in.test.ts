import { describe, expect, it } from 'vitest';

import { safeReturn } from '../../src/auth/auth';
import { logoutUrl, userManagerSettings } from '../../src/auth/cognito';
import { devUserFromQuery, withoutDevParameters } from '../../src/auth/dev/dev-auth';
import { atLeast, claimsOf, identityFromClaims } from '../../src/auth/identity';
import { ConfigError, parseConfig } from '../../src/config';

const encode = (claims: object) => btoa(JSON.stringify(claims)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

describe('who is signed in', () => {
  it('reads the claims as the API does: groups are cumulative roles, the organisation a custom claim', () => {
    const token = `dev.${encode({ sub: 'u-1', email: 'ada@acme.test', 'cognito:groups': '[sender approver]', 'custom:org_id': 'acme', exp: 2 })}.sig`;
    const claims = claimsOf(token);
    expect(claims).not.toBeNull();
    expect(identityFromClaims(claims ?? {})).toEqual({ userId: 'u-1', email: 'ada@acme.test', orgId: 'acme', role: 'approver', expiresAt: 2 });
    expect(identityFromClaims({ sub: 'u', 'cognito:groups': ['admin', 'sender'], 'custom:org_id': 'o' })?.role).toBe('admin');
    expect(identityFromClaims({ sub: 'u', 'cognito:groups': 'agent', 'custom:org_id': 'o' })?.role).toBe('agent'); // their workspace
    expect(identityFromClaims({ sub: 'u', 'cognito:groups': 'visitors', 'custom:org_id': 'o' })).toBeNull();
    expect(identityFromClaims({ sub: 'u', 'cognito:groups': 'sender' })).toBeNull();
    expect(claimsOf('not-a-token')).toBeNull();
    expect(atLeast('admin', 'approver')).toBe(true);
    expect(atLeast('sender', 'approver')).toBe(false);
  });

  it('goes back only to a page of the console after signing in', () => {
    expect(safeReturn('/batches/01x?status=sent')).toBe('/batches/01x?status=sent');
    expect(safeReturn('//evil.example/x')).toBe('/');
    expect(safeReturn('https://evil.example')).toBe('/');
    expect(safeReturn(null)).toBe('/');
  });
});

describe('the development sign-in link', () => {
  it('needs the email, a known role and the organisation', () => {
    expect(devUserFromQuery('?dev_user=a@b.c&dev_role=approver&dev_org=acme&x=1')).toEqual({ user: 'a@b.c', role: 'approver', org: 'acme' });
    expect(devUserFromQuery('?dev_user=a@b.c&dev_role=root&dev_org=acme')).toBeNull();
    expect(devUserFromQuery('?dev_user=a@b.c&dev_role=sender')).toBeNull();
    expect(withoutDevParameters('?dev_user=a&dev_role=sender&dev_org=o&status=sent')).toBe('?status=sent');
    expect(withoutDevParameters('?dev_user=a&dev_role=sender&dev_org=o')).toBe('');
  });
});

describe('Cognito hosted UI sign-in', () => {
  const settings = {
    mode: 'cognito' as const,
    authority: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool',
    clientId: 'client-1',
    domain: 'https://dispatch.auth.us-east-1.amazoncognito.com',
  };
  it('uses the authorization-code flow (PKCE) back to the console origin', () => {
    const manager = userManagerSettings(settings, 'https://d111.cloudfront.net');
    expect(manager.response_type).toBe('code');
    expect(manager.redirect_uri).toBe('https://d111.cloudfront.net/callback');
    expect(manager.client_id).toBe('client-1');
    expect(manager.scope).toContain('openid');
    expect(logoutUrl(settings, 'https://d111.cloudfront.net')).toBe(
      'https://dispatch.auth.us-east-1.amazoncognito.com/logout?client_id=client-1&logout_uri=https%3A%2F%2Fd111.cloudfront.net%2F',
    );
  });
});

describe('config.json', () => {
  it('is checked before the console starts', () => {
    expect(parseConfig({ apiUrl: 'http://127.0.0.1:3000/', auth: { mode: 'dev' } })).toEqual({ apiUrl: 'http://127.0.0.1:3000', auth: { mode: 'dev' } });
    expect(() => parseConfig({ apiUrl: 'x', auth: { mode: 'cognito', clientId: 'c' } })).toThrow(ConfigError);
    expect(() => parseConfig({ auth: { mode: 'dev' } })).toThrow('apiUrl');
    expect(() => parseConfig([])).toThrow(ConfigError);
  });
});
