/** The batches table's configuration: columns, sortable fields and the status filter's options. */
import type { MultiselectProps } from '@cloudscape-design/components/multiselect';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import type { TableProps } from '@cloudscape-design/components/table';

import type { Batch, BatchStatus } from '../../api/models';
import { BATCH_STATUS, BATCH_STATUSES, DEFAULT_BATCH_FILTER, formatTime } from '../../common/labels';
import { RouterLink } from '../../common/links';
import { sortLabel } from '../../common/strings';

export type SortField = 'name' | 'created';

export const COLUMN_DEFINITIONS: TableProps.ColumnDefinition<Batch>[] = [
  {
    id: 'name',
    header: 'Name',
    sortingField: 'name',
    ariaLabel: sortLabel('Name'),
    cell: (batch) => <RouterLink href={`/batches/${batch.id}`}>{batch.name}</RouterLink>,
    isRowHeader: true,
  },
  { id: 'process', header: 'Process', cell: (batch) => batch.process_name },
  { id: 'sender', header: 'Sender', cell: (batch) => batch.created_by },
  {
    id: 'created',
    header: 'Created at',
    sortingField: 'created',
    ariaLabel: sortLabel('Created at'),
    cell: (batch) => formatTime(batch.created_at),
  },
  { id: 'sent', header: 'Sent', cell: (batch) => batch.sent_label },
  {
    id: 'status',
    header: 'Status',
    cell: (batch) => <StatusIndicator type={BATCH_STATUS[batch.status].type}>{BATCH_STATUS[batch.status].label}</StatusIndicator>,
  },
];

export const STATUS_OPTIONS: MultiselectProps.Option[] = BATCH_STATUSES.map((status) => ({
  value: status,
  label: BATCH_STATUS[status].label,
}));

/** The list's state as it lives in the URL, so a filtered list can be linked, reloaded and gone back to. */
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
