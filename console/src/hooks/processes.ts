/** Processes over the typed client: the list, one process, its editing, preview and publishing. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { unwrap, type Api } from '../api/client';
import type { Process, ProcessChanges, ProcessInput, Templates } from '../api/models';
import { useNotifications } from '../common/notifications';
import { useApi } from '../common/session';
import { keys } from './keys';

const MAX_PAGES = 20;
const path = (processId: string) => ({ params: { path: { process_id: processId } } });

/** Every process of the organisation (an organisation has tens, not thousands: all pages are read). */
export async function fetchAllProcesses(api: Api): Promise<Process[]> {
  const all: Process[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer = await unwrap(api.GET('/processes', { params: { query: { limit: 100, cursor } } }));
    all.push(...answer.items);
    if (!answer.next_cursor) break;
    cursor = answer.next_cursor;
  }
  return all;
}

export function useProcesses() {
  const api = useApi();
  return useQuery({ queryKey: keys.processes, queryFn: () => fetchAllProcesses(api) });
}

export function useProcess(processId: string | undefined) {
  const api = useApi();
  return useQuery({
    queryKey: keys.process(processId ?? ''),
    queryFn: () => unwrap(api.GET('/processes/{process_id}', path(processId ?? ''))),
    enabled: Boolean(processId),
  });
}

export function useCreateProcess() {
  const api = useApi();
  const client = useQueryClient();
  const { notify } = useNotifications();
  return useMutation({
    mutationFn: (body: ProcessInput) => unwrap(api.POST('/processes', { body })),
    onSuccess: (process) => {
      client.setQueryData(keys.process(process.id), process);
      void client.invalidateQueries({ queryKey: keys.processes, exact: true });
      notify({ type: 'success', content: `Process "${process.name}" created as a draft.` });
    },
  });
}

export function useUpdateProcess() {
  const api = useApi();
  const client = useQueryClient();
  const { notify } = useNotifications();
  return useMutation({
    mutationFn: ({ processId, body }: { processId: string; body: ProcessChanges }) =>
      unwrap(api.PATCH('/processes/{process_id}', { ...path(processId), body })),
    onSuccess: (process) => {
      client.setQueryData(keys.process(process.id), process);
      void client.invalidateQueries({ queryKey: keys.processes, exact: true });
      notify({ type: 'success', content: `Process "${process.name}" saved.` });
    },
  });
}

export function useReplaceTemplates() {
  const api = useApi();
  const client = useQueryClient();
  const { notify } = useNotifications();
  return useMutation({
    mutationFn: ({ processId, templates }: { processId: string; templates: Templates }) =>
      unwrap(api.PUT('/processes/{process_id}/templates', { ...path(processId), body: templates })),
    onSuccess: (answer, { processId }) => {
      void client.invalidateQueries({ queryKey: keys.process(processId) });
      void client.invalidateQueries({ queryKey: keys.batches });
      const returned = answer['batches_returned_to_approval'];
      const count = Array.isArray(returned) ? returned.length : 0;
      notify({
        type: 'success',
        content: count
          ? `Templates saved. ${count} approved batch${count === 1 ? '' : 'es'} went back to pending approval.`
          : 'Templates saved.',
      });
    },
  });
}

export function usePublishProcess() {
  const api = useApi();
  const client = useQueryClient();
  const { notify } = useNotifications();
  return useMutation({
    mutationFn: (processId: string) => unwrap(api.POST('/processes/{process_id}/publish', path(processId))),
    onSuccess: (process) => {
      client.setQueryData(keys.process(process.id), process);
      void client.invalidateQueries({ queryKey: keys.processes, exact: true });
      notify({ type: 'success', content: `Process "${process.name}" is live: senders can create batches for it.` });
    },
  });
}

/** The templates being edited, rendered with the example row (debounce `templates` before passing them). */
export function useTemplatePreview(processId: string, templates: Templates | null) {
  const api = useApi();
  return useQuery({
    queryKey: ['processes', processId, 'preview', templates],
    queryFn: () => unwrap(api.POST('/processes/{process_id}/preview', { ...path(processId), body: templates ?? {} })),
    enabled: templates !== null,
    placeholderData: keepPreviousData,
    staleTime: Infinity,
    retry: false,
  });
}

/** The process's example file, as a file to save (CSV or Excel). */
export async function exampleFile(api: Api, processId: string, format: 'csv' | 'xlsx'): Promise<Blob> {
  const data = await unwrap(
    api.GET('/processes/{process_id}/example-file', {
      params: { path: { process_id: processId }, query: { format } },
      parseAs: 'blob',
    }),
  );
  return data;
}
