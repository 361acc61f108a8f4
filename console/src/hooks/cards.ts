/** Cards over the typed client: a batch's cards (server-paged), one card, and its distribution. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { unwrap } from '../api/client';
import type { CardStatus } from '../api/models';
import { useNotifications } from '../common/notifications';
import { useApi } from '../common/session';
import { keys } from './keys';

export const CARD_PAGE_SIZE = 50;

export function useCardsPage(batchId: string, status: CardStatus | null, cursor: string | null, refresh: number | false) {
  const api = useApi();
  return useQuery({
    queryKey: keys.cardPage(batchId, status, cursor),
    queryFn: () =>
      unwrap(
        api.GET('/batches/{batch_id}/cards', {
          params: {
            path: { batch_id: batchId },
            query: { status: status ?? undefined, limit: CARD_PAGE_SIZE, cursor: cursor ?? undefined },
          },
        }),
      ),
    placeholderData: keepPreviousData,
    refetchInterval: refresh,
  });
}

export function useCard(cardId: string) {
  const api = useApi();
  return useQuery({
    queryKey: keys.card(cardId),
    queryFn: () => unwrap(api.GET('/cards/{card_id}', { params: { path: { card_id: cardId } } })),
  });
}

export function useDistributeCard() {
  const api = useApi();
  const client = useQueryClient();
  const { notify } = useNotifications();
  return useMutation({
    mutationFn: ({ cardId, address }: { cardId: string; address: string }) =>
      unwrap(api.POST('/cards/{card_id}/distribute', { params: { path: { card_id: cardId } }, body: { address } })),
    onSuccess: (card) => {
      client.setQueryData(keys.card(card.id), card);
      void client.invalidateQueries({ queryKey: keys.batch(card.batch_id) });
      void client.invalidateQueries({ queryKey: keys.batches });
      const last = card.last_distribution;
      notify({
        type: 'success',
        content: last ? `Card sent by ${last.channel === 'sms' ? 'SMS' : 'email'} to ${last.address}.` : 'Card distributed.',
      });
    },
  });
}
