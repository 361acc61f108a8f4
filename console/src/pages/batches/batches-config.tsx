/** The batches table's configuration: columns, sortable fields and the status filter's options. */
import type { MultiselectProps } from '@cloudscape-design/components/multiselect';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import type { TableProps } from '@cloudscape-design/components/table';

import type { Batch } from '../../api/models';
import { BATCH_STATUS, BATCH_STATUSES, formatTime, personLabel } from '../../common/labels';
import { RouterLink } from '../../common/links';
import { sortLabel } from '../../common/strings';

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
  { id: 'sender', header: 'Sender', cell: (batch) => personLabel(batch.created_by, batch.created_by_email) },
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

