/**
 * The batches list's paging over the typed client, with no React in it: the start-up (main.ts)
 * asks for the first screen's list with it before the console's code has arrived, and the list's
 * hook (hooks/batches.ts) reads every page with it.
 */
import { BATCH_STATUSES } from '../common/labels';
import { keys, type BatchListParams } from '../hooks/keys';
import type { Batch } from './models';
import { unwrap, type Api } from './client';

/** How many API pages one console page may read while nothing matches (a search, a rare status). */
const MAX_REQUESTS_PER_PAGE = 25;
/** Once something matches, how many API pages a console page may read before it shows what it has. */
const REQUESTS_ONCE_FOUND = 2;
/** The API's largest page. */
const API_MAX_LIMIT = 100;

export interface BatchesPage {
  items: Batch[];
  nextCursor: string | null;
}

/**
 * How many rows to ask the API for next. The API filters statuses and names after reading a page
 * (DynamoDB's `Limit` counts rows read, not rows kept), so a filtered list starts with the largest
 * page (one request usually fills a page: the first screen waits for one answer, not two), and the
 * next request asks for as many rows as the density seen so far needs, the most while nothing matched.
 */
export function nextLimit(pageSize: number, read: number, found: number, filtered: boolean): number {
  if (read === 0) return filtered ? API_MAX_LIMIT : pageSize;
  const missing = pageSize - found;
  if (found === 0) return API_MAX_LIMIT;
  return Math.min(API_MAX_LIMIT, Math.max(missing, Math.ceil((missing * read * 1.2) / found)));
}

/** Whether the API will drop rows it reads (a status filter short of every status, or a search). */
export function filtered(params: BatchListParams): boolean {
  return Boolean(params.search) || (params.statuses.length > 0 && params.statuses.length < BATCH_STATUSES.length);
}

/**
 * One page of the list starting at `cursor`: follows `next_cursor` until the page is full, the list
 * ends, or — once something matched — two reads went by (a rare search then shows its first
 * matches at once, and "next page" reads on). A page may hold a few more rows than `pageSize`: a
 * cursor cannot be split. No row is ever skipped.
 */
export async function fetchBatchesPage(api: Api, params: BatchListParams, cursor: string | null): Promise<BatchesPage> {
  const items: Batch[] = [];
  let next = cursor;
  let read = 0;
  for (let request = 0; request < MAX_REQUESTS_PER_PAGE; request += 1) {
    const limit = nextLimit(params.pageSize, read, items.length, filtered(params));
    const page = await unwrap(
      api.GET('/batches', {
        params: {
          query: {
            status: params.statuses.length ? params.statuses.join(',') : undefined,
            q: params.search || undefined,
            sort: params.sort,
            order: params.order,
            limit,
            cursor: next ?? undefined,
          },
        },
      }),
    );
    items.push(...page.items);
    read += limit;
    next = page.next_cursor ?? null;
    if (!next || items.length >= params.pageSize || (items.length > 0 && request + 1 >= REQUESTS_ONCE_FOUND)) {
      break;
    }
  }
  return { items, nextCursor: next };
}

export const batchesPageQuery = (api: Api, params: BatchListParams, cursor: string | null) => ({
  queryKey: keys.batchPages(params, cursor),
  queryFn: () => fetchBatchesPage(api, params, cursor),
});

