/** The lead queues' filter as URL parameters (`?queue=lead_exception&group=…&q=…`), so a view can be linked and reloaded. */
import type { QueueName } from '../../api/models';
import type { QueueFilter } from '../../hooks/queues';

export const QUEUES: readonly QueueName[] = ['lead_exception', 'unassigned', 'prospects', 'offered', 'available'];

export function readQueueFilter(params: URLSearchParams): QueueFilter {
  const queue = params.get('queue');
  const text = (name: string) => params.get(name)?.trim() || null;
  return {
    queue: QUEUES.find((name) => name === queue) ?? 'lead_exception',
    processId: text('process'),
    batchId: text('batch'),
    groupId: text('group'),
    search: params.get('q') ?? '',
  };
}

export function writeQueueFilter(filter: QueueFilter): URLSearchParams {
  const params = new URLSearchParams({ queue: filter.queue });
  if (filter.processId) params.set('process', filter.processId);
  if (filter.batchId) params.set('batch', filter.batchId);
  if (filter.groupId) params.set('group', filter.groupId);
  if (filter.search.trim()) params.set('q', filter.search.trim());
  return params;
}
