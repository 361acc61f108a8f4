/**
 * Contacts and batch communications over the typed client (PRODUCT §8): the filtered contacts
 * list and its exact count, one contact and its history, imports (a pre-signed upload, then the
 * import watched to its outcome), a communication from a filter, and a communication batch's own
 * steps (generate, send, the letters bundle, printed). Its other actions (complete, archive,
 * clone) are the batch's (hooks/batches.ts).
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { unwrap, type Api } from '../api/client';
import { apiError } from '../api/errors';
import type { Batch, Letters, NewCommunication } from '../api/models';
import { useNotifications } from '../common/notifications';
import { useApi } from '../common/session';
import { keys } from './keys';

const batchPath = (batchId: string) => ({ params: { path: { batch_id: batchId } } });
const contactPath = (contactId: string) => ({ params: { path: { contact_id: contactId } } });

/** A page of contacts matching `filter` (its JSON text; empty: every contact). */
export function useContactsPage(filter: string, cursor: string | null) {
  const api = useApi();
  return useQuery({
    queryKey: keys.contactPage(filter, cursor),
    queryFn: () => unwrap(api.GET('/contacts', { params: { query: { filter: filter || undefined, limit: 25, cursor: cursor ?? undefined } } })),
    placeholderData: keepPreviousData,
  });
}

/** The exact number of contacts `filter` matches (all pages), asked for as the filter changes. */
export function useContactCount(filter: string) {
  const api = useApi();
  return useQuery({
    queryKey: keys.contactCount(filter),
    queryFn: async () => (await unwrap(api.GET('/contacts', { params: { query: { filter: filter || undefined, count: true, limit: 1 } } }))).count ?? 0,
    placeholderData: keepPreviousData,
    retry: false,
  });
}

export function useContact(contactId: string) {
  const api = useApi();
  return useQuery({
    queryKey: keys.contact(contactId),
    queryFn: () => unwrap(api.GET('/contacts/{contact_id}', contactPath(contactId))),
  });
}

export function useContactHistory(contactId: string) {
  const api = useApi();
  return useQuery({
    queryKey: keys.contactHistory(contactId),
    queryFn: () => unwrap(api.GET('/contacts/{contact_id}/history', { params: { path: { contact_id: contactId }, query: { limit: 100 } } })),
  });
}

export function useCreateImport() {
  const api = useApi();
  return useMutation({
    mutationFn: (fileName: string) => unwrap(api.POST('/contacts/imports', { body: { file_name: fileName } })),
  });
}

/** An import, asked for again every second until it is done or invalid. */
export function useImport(importId: string | null) {
  const api = useApi();
  const client = useQueryClient();
  return useQuery({
    queryKey: keys.contactImport(importId ?? ''),
    queryFn: async () => {
      const found = await unwrap(api.GET('/contacts/imports/{import_id}', { params: { path: { import_id: importId ?? '' } } }));
      if (found.status === 'done' || found.status === 'invalid') void client.invalidateQueries({ queryKey: keys.contacts });
      return found;
    },
    enabled: importId !== null,
    refetchInterval: (query) => (query.state.data && ['done', 'invalid'].includes(query.state.data.status) ? false : 1_000),
  });
}

export function useCreateCommunication() {
  const api = useApi();
  const client = useQueryClient();
  const { notify } = useNotifications();
  return useMutation({
    mutationFn: (body: NewCommunication) => unwrap(api.POST('/communications', { body })),
    onSuccess: (batch) => {
      client.setQueryData(keys.batch(batch.id), batch);
      void client.invalidateQueries({ queryKey: keys.batches });
      notify({ type: 'success', content: `Communication "${batch.name}" created with ${batch.communication?.matched ?? 0} contact(s): generate it next.` });
    },
  });
}

function useCommunicationStep(call: (api: Api, batchId: string) => Promise<Batch>, success: (batch: Batch) => string) {
  const api = useApi();
  const client = useQueryClient();
  const { notify } = useNotifications();
  return useMutation({
    mutationFn: (batchId: string) => call(api, batchId),
    onSuccess: (batch) => {
      client.setQueryData(keys.batch(batch.id), batch);
      void client.invalidateQueries({ queryKey: keys.batches });
      notify({ type: 'success', content: success(batch) });
    },
  });
}

export const useGenerateCommunication = () =>
  useCommunicationStep(
    (api, id) => unwrap(api.POST('/batches/{batch_id}/generate', batchPath(id))),
    (batch) => `Generating the cards and letters of "${batch.name}".`,
  );

export const useSendCommunication = () =>
  useCommunicationStep(
    (api, id) => unwrap(api.POST('/batches/{batch_id}/send', batchPath(id))),
    (batch) => `"${batch.name}" goes on to approval and sending.`,
  );

/**
 * The letters bundle: `POST` builds it (or answers the built one with a fresh link), `GET` asks
 * for its state and a fresh link; both answer 202 while it is built, so the query asks again.
 */
export function useLetters(batchId: string, enabled: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: keys.letters(batchId),
    queryFn: async (): Promise<Letters | null> => {
      const { data, error, response } = await api.GET('/batches/{batch_id}/letters', batchPath(batchId));
      if (response.status === 404) return null; // none requested yet
      if (!response.ok || data === undefined) throw apiError(response.status, error);
      return data;
    },
    enabled,
    retry: false,
    refetchInterval: (query) => (query.state.data?.status === 'building' ? 1_000 : false),
  });
}

export function useRequestLetters() {
  const api = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (batchId: string) => unwrap(api.POST('/batches/{batch_id}/letters', batchPath(batchId))),
    onSuccess: (letters) => client.setQueryData(keys.letters(letters.batch_id), letters),
  });
}

export function useLettersPrinted() {
  const api = useApi();
  const client = useQueryClient();
  const { notify } = useNotifications();
  return useMutation({
    mutationFn: (batchId: string) => unwrap(api.POST('/batches/{batch_id}/letters/printed', batchPath(batchId))),
    onSuccess: (letters) => {
      client.setQueryData(keys.letters(letters.batch_id), letters);
      void client.invalidateQueries({ queryKey: keys.batch(letters.batch_id) });
      notify({ type: 'success', content: `${letters.letters ?? 0} letter(s) marked printed: they count as sent.` });
    },
  });
}
