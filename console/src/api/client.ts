/**
 * The typed API client: openapi-fetch over the types openapi-typescript generates from the
 * committed docs/openapi.json at build time (src/api/schema.d.ts), so a contract change is a
 * compile error here rather than a surprise in production. Every request carries the signed-in
 * user's token: the console has no privileges of its own.
 */
import createClient from 'openapi-fetch';

import type { paths } from './schema';
import { apiError } from './errors';

export type Api = ReturnType<typeof createApi>;

export function createApi(baseUrl: string, token: () => string | null, onExpired: () => void) {
  const client = createClient<paths>({ baseUrl });
  client.use({
    onRequest({ request }) {
      const bearer = token();
      if (bearer) {
        request.headers.set('Authorization', `Bearer ${bearer}`);
      }
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) {
        onExpired();
      }
      return response;
    },
  });
  return client;
}

interface Outcome<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The body of a successful call; otherwise an ApiError carrying the API's message. */
export async function unwrap<T>(call: Promise<Outcome<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok || error !== undefined) {
    throw apiError(response.status, error);
  }
  return data as T;
}
