/** Query keys, one factory so that mutations invalidate exactly what they change. */
import type { BatchStatus, CardStatus } from '../api/models';

export interface BatchListParams {
  statuses: readonly BatchStatus[];
  search: string;
  sort: 'created' | 'name';
  order: 'asc' | 'desc';
  pageSize: number;
}

export const keys = {
  batches: ['batches'] as const,
  batchPages: (params: BatchListParams, cursor: string | null) => ['batches', 'page', params, cursor] as const,
  batch: (id: string) => ['batch', id] as const,
  dryRun: (id: string) => ['batch', id, 'dry-run'] as const,
  cards: (batchId: string) => ['batch', batchId, 'cards'] as const,
  cardPage: (batchId: string, status: CardStatus | null, cursor: string | null) =>
    ['batch', batchId, 'cards', status, cursor] as const,
  card: (id: string) => ['card', id] as const,
  processes: ['processes'] as const,
  process: (id: string) => ['processes', id] as const,
  organisation: ['organisation'] as const,
  // agents, groups, the agent's workspace and the lead queues (PRODUCT §7)
  agents: ['agents'] as const,
  groups: ['groups'] as const,
  group: (id: string) => ['groups', id] as const,
  me: ['me'] as const,
  myCards: ['me', 'cards'] as const,
  myLeads: ['me', 'leads'] as const,
  myOffers: ['me', 'offers'] as const,
  queues: ['queues'] as const,
  queue: (filter: object, cursor: string | null) => ['queues', filter, cursor] as const,
};
