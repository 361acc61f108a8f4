/**
 * The batches list's state as it lives in the URL (statuses, search, sort), so a filtered list can
 * be linked, reloaded and gone back to. No component here: the start-up reads it too, to ask for
 * the first screen's list while the screen's code is still loading.
 */
import type { MultiselectProps } from '@cloudscape-design/components/multiselect';

import type { BatchStatus } from '../../api/models';
import { BATCH_STATUSES, DEFAULT_BATCH_FILTER } from '../../common/labels';
import type { BatchListParams } from '../../hooks/keys';

export type SortField = 'name' | 'created';
export const PAGE_SIZE = 25;

export interface ListState {
  statuses: BatchStatus[];
  search: string;
  sort: SortField;
  order: 'asc' | 'desc';
}

const isStatus = (value: string): value is BatchStatus => (BATCH_STATUSES as string[]).includes(value);

export function statusesOf(options: readonly MultiselectProps.Option[]): BatchStatus[] {
  return options.map((option) => option.value ?? '').filter(isStatus);
}

export function readListState(query: URLSearchParams): ListState {
  const raw = query.get('status');
  const statuses = raw === null ? [...DEFAULT_BATCH_FILTER] : raw.split(',').filter(isStatus);
  const sort: SortField = query.get('sort') === 'name' ? 'name' : 'created';
  const orderParam = query.get('order');
  const order = orderParam === 'asc' || orderParam === 'desc' ? orderParam : sort === 'name' ? 'asc' : 'desc';
  return { statuses, search: query.get('q') ?? '', sort, order };
}

export function writeListState(state: ListState): URLSearchParams {
  const query = new URLSearchParams();
  const defaults = [...DEFAULT_BATCH_FILTER].sort().join(',');
  if ([...state.statuses].sort().join(',') !== defaults) {
    query.set('status', state.statuses.join(','));
  }
  if (state.search) query.set('q', state.search);
  if (state.sort !== 'created') query.set('sort', state.sort);
  if (state.order !== (state.sort === 'name' ? 'asc' : 'desc')) query.set('order', state.order);
  return query;
}

export function listParams(state: ListState): BatchListParams {
  return { statuses: state.statuses, search: state.search, sort: state.sort, order: state.order, pageSize: PAGE_SIZE };
}
