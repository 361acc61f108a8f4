/**
 * The lead queues (sender and above): a page of one queue, filtered on the server, and moving a
 * card out of it — to an agent, or back to the pool.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { unwrap } from '../api/client';
import type { QueueName } from '../api/models';
import { useNotifications } from '../common/notifications';
import { useApi } from '../common/session';
import { keys } from './keys';

export const QUEUE_PAGE_SIZE = 50;
export const QUEUE_REFRESH_MS = 10_000;

export interface QueueFilter {
  queue: QueueName;
  processId: string | null;
  batchId: string | null;
  groupId: string | null;
  search: string;
}

export function useQueuePage(filter: QueueFilter, cursor: string | null) {
  const api = useApi();
  return useQuery({
    queryKey: keys.queue(filter, cursor),
    queryFn: () =>
      unwrap(
        api.GET('/cards', {
          params: {
            query: {
              queue: filter.queue,
              process_id: filter.processId ?? undefined,
              batch_id: filter.batchId ?? undefined,
              group_id: filter.groupId ?? undefined,
              q: filter.search.trim() || undefined,
              limit: QUEUE_PAGE_SIZE,
              cursor: cursor ?? undefined,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
    refetchInterval: QUEUE_REFRESH_MS,
  });
}

export function useMoveCard() {
  const api = useApi();
  const client = useQueryClient();
  const { notify } = useNotifications();
  return useMutation({
    mutationFn: ({ cardId, agentId }: { cardId: string; agentId: string | null; agentName?: string; label: string }) => {
      const path = { params: { path: { card_id: cardId } } };
      return agentId
        ? unwrap(api.POST('/cards/{card_id}/assign', { ...path, body: { agent_id: agentId } }))
        : unwrap(api.POST('/cards/{card_id}/redistribute', path));
    },
    onSuccess: (card, { agentId, agentName, label }) => {
      void client.invalidateQueries({ queryKey: keys.queues });
      void client.invalidateQueries({ queryKey: keys.agents });
      void client.invalidateQueries({ queryKey: keys.groups });
      client.setQueryData(keys.card(card.id), card);
      const where = card.assignment?.state;
      notify({
        type: 'success',
        content: agentId
          ? `${label} assigned to ${agentName ?? 'the agent'}.`
          : `${label} returned to the pool: it is ${where === 'assigned' ? 'assigned again' : `in ${where ?? 'no queue'}`} now.`,
      });
    },
  });
}

/** The newest batches, to filter a queue by (a queue's cards come from recent batches). */
export function useRecentBatches() {
  const api = useApi();
  return useQuery({
    queryKey: ['batches', 'recent-for-queues'],
    queryFn: () => unwrap(api.GET('/batches', { params: { query: { limit: 100 } } })),
    staleTime: 30_000,
  });
}
