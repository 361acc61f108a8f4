/** Processes (admin, PRODUCT §1, §11): what cards link to, their fields, channels and state. */
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table, { type TableProps } from '@cloudscape-design/components/table';

import type { Process } from '../../api/models';
import { formatTime } from '../../common/labels';
import { RouterLink, useFollow } from '../../common/links';
import { usePageTitle } from '../../common/shell';
import { EMPTY, LABELS, tableLabels } from '../../common/strings';
import { TableEmptyState } from '../../common/table-states';
import { useProcesses } from '../../hooks/processes';

export function channelsOf(process: Pick<Process, 'templates'>): string {
  const channels = [process.templates?.email ? 'Email' : null, process.templates?.sms ? 'SMS' : null].filter(Boolean);
  return channels.length ? channels.join(', ') : 'None yet';
}

const COLUMNS: TableProps.ColumnDefinition<Process>[] = [
  { id: 'name', header: 'Name', cell: (process) => <RouterLink href={`/processes/${process.id}`}>{process.name}</RouterLink>, isRowHeader: true },
  {
    id: 'state',
    header: 'State',
    cell: (process) =>
      process.state === 'live' ? <StatusIndicator type="success">Live</StatusIndicator> : <StatusIndicator type="stopped">Draft</StatusIndicator>,
  },
  { id: 'fields', header: 'Fields', cell: (process) => process.fields.length },
  { id: 'channels', header: 'Channels', cell: channelsOf },
  { id: 'created', header: 'Created at', cell: (process) => formatTime(process.created_at) },
];

export default function ProcessesPage() {
  usePageTitle([{ text: 'Processes', href: '/processes' }]);
  const follow = useFollow();
  const processes = useProcesses();
  const items = processes.data ?? [];
  return (
    <Table
      variant="full-page"
      enableKeyboardNavigation
      ariaLabels={tableLabels(LABELS.processes.table)}
      columnDefinitions={COLUMNS}
      items={items}
      trackBy="id"
      loading={processes.isPending}
      loadingText="Loading processes"
      header={
        <Header
          variant="awsui-h1-sticky"
          counter={processes.data ? `(${items.length})` : undefined}
          description="A process defines the fields of a recipients file, where its cards link to, and the messages sent."
          actions={
            <Button variant="primary" href="/processes/new" onFollow={follow}>
              {LABELS.processes.create}
            </Button>
          }
        >
          Processes
        </Header>
      }
      empty={
        <TableEmptyState
          {...EMPTY.processes}
          action={
            <Button href="/processes/new" onFollow={follow}>
              {LABELS.processes.create}
            </Button>
          }
        />
      }
    />
  );
}
