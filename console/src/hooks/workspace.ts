/**
 * The agent's own workspace over the typed client: who I am, my cards, the New Leads I may claim,
 * the offers made to me, and my availability. Every list refreshes by itself (WORKSPACE_REFRESH_MS)
 * because other agents claim and accept the same cards meanwhile.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { unwrap } from '../api/client';
import { ApiError } from '../api/errors';
import type { Activity } from '../api/models';
import { useNotifications } from '../common/notifications';
import { useApi } from '../common/session';
import { keys } from './keys';

export const WORKSPACE_REFRESH_MS = 5_000;

/** Every 5 s, until the API refuses (not an agent, say): asking again would only repeat the refusal. */
const refresh = (query: { state: { status: string } }): number | false => (query.state.status === 'error' ? false : WORKSPACE_REFRESH_MS);

export function useMe() {
  const api = useApi();
  return useQuery({ queryKey: keys.me, queryFn: () => unwrap(api.GET('/agents/me')), refetchInterval: refresh });
}

export function useMyCards() {
  const api = useApi();
  return useQuery({
    queryKey: keys.myCards,
    queryFn: () => unwrap(api.GET('/agents/me/cards', { params: { query: { limit: 100 } } })),
    refetchInterval: refresh,
  });
}

/** The cards waiting for the first claim (asked only while I am available: the API refuses otherwise). */
export function useMyLeads(available: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: keys.myLeads,
    queryFn: () => unwrap(api.GET('/agents/me/available', { params: { query: { limit: 100 } } })),
    enabled: available,
    refetchInterval: refresh,
  });
}

export function useMyOffers() {
  const api = useApi();
  return useQuery({
    queryKey: keys.myOffers,
    queryFn: () => unwrap(api.GET('/agents/me/offers', { params: { query: { limit: 100 } } })),
    refetchInterval: refresh,
  });
}

/** What taking a card came to: it is mine, or another agent was first (the API's reason). */
export type TakeOutcome = { won: true } | { won: false; reason: string };

/** A claim or an accept as an outcome: losing the race (409) is an answer, not a failure. */
export async function take(call: Promise<unknown>): Promise<TakeOutcome> {
  try {
    await call;
    return { won: true };
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) return { won: false, reason: error.message };
    throw error;
  }
}

/**
 * Taking a card (a claim, or accepting an offer). Losing the race is an expected outcome: it is
 * said as a warning that names the card and gives the API's reason, and every list refreshes.
 */
function useTake(kind: 'claim' | 'accept') {
  const api = useApi();
  const client = useQueryClient();
  const { notify } = useNotifications();
  return useMutation({
    mutationFn: ({ cardId }: { cardId: string; label: string }) => {
      const params = { params: { path: { card_id: cardId } } };
      return take(
        unwrap(kind === 'claim' ? api.POST('/cards/{card_id}/claim', params) : api.POST('/cards/{card_id}/accept', params)),
      );
    },
    onSuccess: (outcome, { label }) => {
      if (outcome.won) {
        notify({ type: 'success', content: `${label} is yours now: it is in My cards.` });
      } else {
        notify({ type: 'warning', header: `${label}: someone was quicker`, content: `Not yours: ${outcome.reason}.` });
      }
    },
    onSettled: () => {
      void client.invalidateQueries({ queryKey: keys.me });
    },
  });
}

export const useClaim = () => useTake('claim');
export const useAccept = () => useTake('accept');

export function useSetAvailability() {
  const api = useApi();
  const client = useQueryClient();
  const { notify } = useNotifications();
  return useMutation({
    mutationFn: (available: boolean) => unwrap(api.PUT('/agents/me/availability', { body: { available } })),
    onSuccess: (me) => {
      client.setQueryData(keys.me, me);
      // Unavailable: the API refuses the list (409), so it is asked for only once I am back on.
      if (me.available) void client.invalidateQueries({ queryKey: keys.myLeads });
      notify({
        type: 'success',
        id: 'availability',
        content: me.available ? 'You are available: new cards can come to you.' : 'You are unavailable: no new card comes to you.',
      });
    },
  });
}

export function useRecordActivity() {
  const api = useApi();
  const client = useQueryClient();
  const { notify } = useNotifications();
  return useMutation({
    mutationFn: ({ cardId, body }: { cardId: string; body: Activity }) =>
      unwrap(api.POST('/cards/{card_id}/activity', { params: { path: { card_id: cardId } }, body })),
    onSuccess: (card) => {
      void client.invalidateQueries({ queryKey: keys.myCards });
      client.setQueryData(keys.card(card.id), card);
      notify({ type: 'success', content: `Activity recorded on row ${card.row}.` });
    },
  });
}
