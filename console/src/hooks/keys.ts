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
  schedules: ['schedules'] as const,
  schedulePage: (view: 'upcoming' | 'all', cursor: string | null) => ['schedules', 'page', view, cursor] as const,
  schedule: (id: string) => ['schedules', 'one', id] as const,
  schedulePreview: (id: string) => ['schedules', 'one', id, 'preview'] as const,
  scheduleTemplates: ['schedules', 'templates'] as const,
  contacts: ['contacts'] as const,
  contactPage: (filter: string, cursor: string | null) => ['contacts', 'page', filter, cursor] as const,
  contactCount: (filter: string) => ['contacts', 'count', filter] as const,
  contact: (id: string) => ['contacts', 'one', id] as const,
  contactHistory: (id: string) => ['contacts', 'one', id, 'history'] as const,
  contactImport: (id: string) => ['contacts', 'import', id] as const,
  letters: (batchId: string) => ['batch', batchId, 'letters'] as const,
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
