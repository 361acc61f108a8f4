/**
 * Batches over the typed client: the server-paged list, one batch, its dry run, and every action
 * on it. Mutations refresh what they change (STYLE 18); errors reach the flash bar through the
 * query client's caches (app.tsx).
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { batchesPageQuery } from '../api/batches-list';
import { unwrap, type Api } from '../api/client';
import type { Batch, CloneRecipients, ExportFormat } from '../api/models';
import { isMoving } from '../common/labels';
import { useNotifications } from '../common/notifications';
import { useApi } from '../common/session';
import { keys, type BatchListParams } from './keys';

const path = (batchId: string) => ({ params: { path: { batch_id: batchId } } });

export const REFRESH_MS = 3_000;

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
