/**
 * The AWS build's sign-in, offline: console/dist/aws is served to the browser by request
 * interception, with a config.json in Cognito mode, and a stand-in for Cognito's hosted UI and
 * token endpoint. Proves the code flow with PKCE, the return to the page asked for, and that the
 * ID token is what the API receives.
 */
import { expect, test, type Route } from '@playwright/test';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';

const DIST = resolve(import.meta.dirname, '..', '..', 'dist', 'aws');
const CONSOLE = 'https://console.test';
const API = 'https://api.test/dev';
const HOSTED_UI = 'https://dispatch.auth.test';
const ISSUER = 'https://cognito-idp.test/us-east-1_Pool';
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.svg': 'image/svg+xml' };

const base64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

function idToken(): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    sub: 'user-1',
    iss: ISSUER,
    aud: 'client-1',
    email: 'ada@acme.example',
    'cognito:groups': ['approver'],
    'custom:org_id': 'acme',
    token_use: 'id',
    iat: now,
    exp: now + 3600,
  };
  return `${base64url(JSON.stringify({ alg: 'RS256', kid: 'test' }))}.${base64url(JSON.stringify(claims))}.${base64url('signature')}`;
}

test('In AWS, an operator is sent to the hosted UI (code flow with PKCE) and comes back to the page asked for', async ({ page }) => {
  test.skip(!existsSync(resolve(DIST, 'index.html')), 'run `npm run build` first');
  const authorizations: URL[] = [];
  const apiCalls: string[] = [];
  let verifier = '';
  let issued = '';

  await page.route(`${CONSOLE}/**`, async (route: Route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/config.json') {
      return route.fulfill({
        json: { apiUrl: API, auth: { mode: 'cognito', authority: ISSUER, clientId: 'client-1', domain: HOSTED_UI } },
      });
    }
    const file = resolve(DIST, `.${extname(path) ? path : '/index.html'}`);
    return route.fulfill({ body: readFileSync(file), contentType: TYPES[extname(file)] ?? 'application/octet-stream' });
  });
  await page.route(`${ISSUER}/.well-known/openid-configuration`, (route) =>
    route.fulfill({
      json: {
        issuer: ISSUER,
        authorization_endpoint: `${HOSTED_UI}/oauth2/authorize`,
        token_endpoint: `${HOSTED_UI}/oauth2/token`,
        userinfo_endpoint: `${HOSTED_UI}/oauth2/userInfo`,
        jwks_uri: `${ISSUER}/.well-known/jwks.json`,
        response_types_supported: ['code'],
      },
      headers: { 'Access-Control-Allow-Origin': '*' },
    }),
  );
  await page.route(`${HOSTED_UI}/oauth2/authorize**`, (route) => {
    const url = new URL(route.request().url());
    authorizations.push(url);
    const back = new URL(url.searchParams.get('redirect_uri') ?? '');
    back.search = new URLSearchParams({ code: 'code-1', state: url.searchParams.get('state') ?? '' }).toString();
    return route.fulfill({ status: 302, headers: { Location: back.toString() } });
  });
  await page.route(`${HOSTED_UI}/oauth2/token`, (route) => {
    const form = new URLSearchParams(route.request().postData() ?? '');
    verifier = form.get('code_verifier') ?? '';
    expect(form.get('grant_type')).toBe('authorization_code');
    expect(form.get('code')).toBe('code-1');
    issued = idToken();
    return route.fulfill({
      json: { id_token: issued, access_token: 'access-1', token_type: 'Bearer', expires_in: 3600 },
      headers: { 'Access-Control-Allow-Origin': '*' },
    });
  });
  await page.route(`${API}/**`, (route) => {
    apiCalls.push(route.request().headers()['authorization'] ?? '');
    return route.fulfill({ json: { items: [], next_cursor: null }, headers: { 'Access-Control-Allow-Origin': CONSOLE } });
  });

  await page.goto(`${CONSOLE}/batches?status=sent`);

  await expect(page.getByRole('button', { name: 'ada@acme.example' })).toBeVisible();
  await expect(page).toHaveURL(`${CONSOLE}/batches?status=sent`); // back where the visit started
  const [authorization] = authorizations;
  expect(authorization?.searchParams.get('response_type')).toBe('code');
  expect(authorization?.searchParams.get('client_id')).toBe('client-1');
  expect(authorization?.searchParams.get('redirect_uri')).toBe(`${CONSOLE}/callback`);
  expect(authorization?.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorization?.searchParams.get('code_challenge')).toBe(createHash('sha256').update(verifier).digest('base64url'));
  expect(apiCalls.length).toBeGreaterThan(0);
  expect(new Set(apiCalls)).toEqual(new Set([`Bearer ${issued}`])); // the ID token, on every call
});
