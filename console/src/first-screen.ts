/**
 * The console's first screen is the batches list (where `/` leads): most visits start there. Its
 * code starts loading with config.json, and its list is asked for as soon as the user is known —
 * while React, Cloudscape and the screen's code are still loading (main.ts) — so they arrive together.
 */
import type { Api } from './api/client';
import { batchesPageQuery, type BatchesPage } from './api/batches-list';
import { listParams, readListState } from './pages/batches/list-state';

export function isFirstScreen(pathname: string): boolean {
  return pathname === '/' || pathname === '/batches' || pathname === '/batches/';
}

export interface FirstScreen {
  queryKey: readonly unknown[];
  list: Promise<BatchesPage>;
}

/** The first page of the list the screen will show, already on its way (null elsewhere). */
export function startFirstScreen(api: Api): FirstScreen | null {
  if (!isFirstScreen(window.location.pathname)) return null;
  const query = batchesPageQuery(api, listParams(readListState(new URLSearchParams(window.location.search))), null);
  const list = query.queryFn();
  list.catch(() => undefined); // its error is the query's, reported when the screen asks for it
  return { queryKey: query.queryKey, list };
}
