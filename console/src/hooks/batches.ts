/**
 * Batches over the typed client: the server-paged list, one batch, its dry run, and every action
 * on it. Mutations refresh what they change (STYLE 18); errors reach the flash bar through the
 * query client's caches (app.tsx).
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { unwrap, type Api } from '../api/client';
import type { Batch, CloneRecipients, ExportFormat } from '../api/models';
import { BATCH_STATUSES, isMoving } from '../common/labels';
import { useNotifications } from '../common/notifications';
import { useApi } from '../common/session';
import { keys, type BatchListParams } from './keys';

const path = (batchId: string) => ({ params: { path: { batch_id: batchId } } });

export const REFRESH_MS = 3_000;
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

/**
 * One page of the list starting at `cursor`: follows `next_cursor` until the page is full, the list
 * ends, or — once something matched — two reads went by (a rare search then shows its first
 * matches at once, and "next page" reads on). A page may hold a few more rows than `pageSize`: a
 * cursor cannot be split. No row is ever skipped.
 */
/** Whether the API will drop rows it reads (a status filter short of every status, or a search). */
export function filtered(params: BatchListParams): boolean {
  return Boolean(params.search) || (params.statuses.length > 0 && params.statuses.length < BATCH_STATUSES.length);
}

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

export function useBatchesPage(params: BatchListParams, cursor: string | null) {
  const api = useApi();
  return useQuery({
    ...batchesPageQuery(api, params, cursor),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (query.state.data?.items.some(isMoving) ? REFRESH_MS : false),
  });
}

export function useBatch(batchId: string, options: { watch?: (batch: Batch) => boolean } = {}) {
  const api = useApi();
  const watch = options.watch ?? isMoving;
  return useQuery({
    queryKey: keys.batch(batchId),
    queryFn: () => unwrap(api.GET('/batches/{batch_id}', path(batchId))),
    enabled: batchId !== '',
    refetchInterval: (query) => (query.state.data && watch(query.state.data) ? REFRESH_MS : false),
  });
}

export function useDryRun(batchId: string, enabled: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: keys.dryRun(batchId),
    queryFn: () => unwrap(api.GET('/batches/{batch_id}/dry-run', path(batchId))),
    enabled,
    staleTime: 30_000,
  });
}

export function useCreateBatch() {
  const api = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { process_id: string; file_name: string; name?: string; auto_distribute: boolean }) =>
      unwrap(api.POST('/batches', { body })),
    onSuccess: (created) => {
      client.setQueryData(keys.batch(created.id), created);
      void client.invalidateQueries({ queryKey: keys.batches });
    },
  });
}

/** Every batch action that answers with the batch: the cache takes the answer, lists refresh. */
function useBatchMutation<Variables>(
  call: (api: Api, batchId: string, variables: Variables) => Promise<Batch>,
  success: (batch: Batch, variables: Variables) => string,
) {
  const api = useApi();
  const client = useQueryClient();
  const { notify } = useNotifications();
  return useMutation({
    mutationFn: ({ batchId, variables }: { batchId: string; variables: Variables }) => call(api, batchId, variables),
    onSuccess: (batch, { variables }) => {
      client.setQueryData(keys.batch(batch.id), batch);
      void client.invalidateQueries({ queryKey: keys.batches });
      void client.invalidateQueries({ queryKey: keys.cards(batch.id) });
      notify({ type: 'success', content: success(batch, variables) });
    },
  });
}

export const useApproveBatch = () =>
  useBatchMutation<void>(
    (api, id) => unwrap(api.POST('/batches/{batch_id}/approve', path(id))),
    (batch) => `Batch "${batch.name}" approved.`,
  );

export const useRejectBatch = () =>
  useBatchMutation<{ reason: string }>(
    (api, id, body) => unwrap(api.POST('/batches/{batch_id}/reject', { ...path(id), body })),
    (batch) => `Batch "${batch.name}" rejected.`,
  );

export const useSendRemaining = () =>
  useBatchMutation<void>(
    (api, id) => unwrap(api.POST('/batches/{batch_id}/send-remaining', path(id))),
    (batch) => `Sending the remaining cards of "${batch.name}".`,
  );

export const useRetryFailed = () =>
  useBatchMutation<void>(
    (api, id) => unwrap(api.POST('/batches/{batch_id}/retry-failed', path(id))),
    (batch) => `Retrying the failed cards of "${batch.name}".`,
  );

export const useResumeBatch = () =>
  useBatchMutation<void>(
    (api, id) => unwrap(api.POST('/batches/{batch_id}/resume', path(id))),
    (batch) => `Batch "${batch.name}" resumed.`,
  );

export const useCompleteBatch = () =>
  useBatchMutation<void>(
    (api, id) => unwrap(api.POST('/batches/{batch_id}/complete', path(id))),
    (batch) => `Batch "${batch.name}" completed.`,
  );

export const useArchiveBatch = () =>
  useBatchMutation<void>(
    (api, id) => unwrap(api.POST('/batches/{batch_id}/archive', path(id))),
    (batch) => `Batch "${batch.name}" archived.`,
  );

export const useRenameBatch = () =>
  useBatchMutation<{ name: string }>(
    (api, id, body) => unwrap(api.PATCH('/batches/{batch_id}', { ...path(id), body })),
    (batch) => `Batch renamed to "${batch.name}".`,
  );

export const useCloneBatch = () =>
  useBatchMutation<{ recipients: CloneRecipients; name?: string }>(
    (api, id, body) => unwrap(api.POST('/batches/{batch_id}/clone', { ...path(id), body })),
    (batch) => `Clone "${batch.name}" created; its recipients are being copied.`,
  );

export function useErrorReport() {
  const api = useApi();
  return useMutation({
    mutationFn: (batchId: string) => unwrap(api.GET('/batches/{batch_id}/errors', path(batchId))),
  });
}

/** Asks for an export; the answer is ready (with a link) or running (ask again by its id). */
export function useRequestExport() {
  const api = useApi();
  return useMutation({
    mutationFn: ({ batchId, format }: { batchId: string; format: ExportFormat }) =>
      unwrap(api.POST('/batches/{batch_id}/exports', { ...path(batchId), body: { format } })),
  });
}

export function useExport(batchId: string, exportId: string | null) {
  const api = useApi();
  return useQuery({
    queryKey: ['batch', batchId, 'export', exportId],
    queryFn: () =>
      unwrap(
        api.GET('/batches/{batch_id}/exports/{export_id}', {
          params: { path: { batch_id: batchId, export_id: exportId ?? '' } },
        }),
      ),
    enabled: exportId !== null,
    refetchInterval: (query) => (query.state.data?.status === 'running' ? 1_000 : false),
  });
}
