/**
 * The lead queues (sender and above, PRODUCT §7, §11): the cards waiting outside any agent's
 * hands — Lead Exception, Unassigned (outside business hours), prospects, offered (ring all) and
 * claimable — searched, filtered by process, batch or group, and moved: to an agent, or back to
 * the pool. Paged on the server with the API's cursor; refreshed every 10 s.
 */
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import Pagination from '@cloudscape-design/components/pagination';
import Select, { type SelectProps } from '@cloudscape-design/components/select';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';

import type { QueuedCard } from '../../api/models';
import { formatTime } from '../../common/labels';
import { assignmentWords, leadContact, leadName, QUEUE_LABEL } from '../../common/leads';
import { RouterLink } from '../../common/links';
import { usePageTitle } from '../../common/shell';
import { paginationLabels, tableLabels } from '../../common/strings';
import { TableEmptyState, TableNoMatchState } from '../../common/table-states';
import { useGroups } from '../../hooks/agents';
import { useProcesses } from '../../hooks/processes';
import { useQueuePage, useRecentBatches, type QueueFilter } from '../../hooks/queues';
import { MoveModal, type Move } from './move-modal';
import { QUEUES, readQueueFilter, writeQueueFilter } from './queue-state';

const ANY: SelectProps.Option = { value: '', label: 'Any' };

const COLUMNS: TableProps.ColumnDefinition<QueuedCard>[] = [
  { id: 'name', header: 'Lead', cell: (card) => <RouterLink href={`/cards/${card.id}`}>{leadName(card)}</RouterLink>, isRowHeader: true },
  { id: 'contact', header: 'Contact', cell: leadContact },
  { id: 'where', header: 'Why here', cell: (card) => assignmentWords(card.assignment.state, card.assignment.reason) },
  { id: 'batch', header: 'Batch', cell: (card) => <RouterLink href={`/batches/${card.batch_id}`}>{`Row ${card.row}`}</RouterLink> },
  { id: 'since', header: 'Since', cell: (card) => formatTime(card.assignment.at ?? card.sent_at) },
];

function FilterSelect({ label, value, options, onChange }: { label: string; value: string | null; options: SelectProps.Option[]; onChange: (value: string | null) => void }) {
  const all = [ANY, ...options];
  return (
    <Select
      inlineLabelText={label}
      ariaLabel={`Filter by ${label.toLowerCase()}`}
      selectedOption={all.find((option) => option.value === (value ?? '')) ?? ANY}
      options={all}
      filteringType={options.length > 8 ? 'auto' : 'none'}
      onChange={({ detail }) => onChange(detail.selectedOption.value || null)}
    />
  );
}

export default function QueuesPage() {
  usePageTitle([{ text: 'Lead queues', href: '/queues' }]);
  const [params, setParams] = useSearchParams();
  const filter = readQueueFilter(params);
  const [search, setSearch] = useState(filter.search);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [pageIndex, setPageIndex] = useState(0);
  const [selected, setSelected] = useState<QueuedCard[]>([]);
  const [move, setMove] = useState<Move | null>(null);
  const page = useQueuePage(filter, cursors[pageIndex] ?? null);
  const processes = useProcesses();
  const groups = useGroups();
  const batches = useRecentBatches();
  const key = params.toString();

  useEffect(() => {
    setCursors([null]);
    setPageIndex(0);
    setSelected([]);
  }, [key]);

  const update = (change: Partial<QueueFilter>) => setParams(writeQueueFilter({ ...filter, ...change }));
  const items = page.data?.items ?? [];
  const next = page.data?.next_cursor ?? null;
  const card = selected[0] && items.some((item) => item.id === selected[0]?.id) ? selected[0] : undefined;
  const filtered = Boolean(filter.processId || filter.batchId || filter.groupId || filter.search.trim());

  return (
    <>
      <Table
        variant="full-page"
        enableKeyboardNavigation
        ariaLabels={tableLabels(`${QUEUE_LABEL[filter.queue]} queue`)}
        columnDefinitions={COLUMNS}
        items={items}
        trackBy="id"
        selectionType="single"
        selectedItems={card ? [card] : []}
        onSelectionChange={({ detail }) => setSelected(detail.selectedItems)}
        loading={page.isPending}
        loadingText="Loading the queue"
        header={
          <Header
            variant="awsui-h1-sticky"
            description="Cards waiting outside any agent's hands. Select one to assign it to an agent or return it to the pool."
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <Button disabled={!card} onClick={() => card && setMove({ card, to: 'pool' })}>
                  Return to the pool
                </Button>
                <Button variant="primary" disabled={!card} onClick={() => card && setMove({ card, to: 'agent' })}>
                  Assign to agent
                </Button>
              </SpaceBetween>
            }
          >
            Lead queues
          </Header>
        }
        filter={
          <SpaceBetween size="s">
            <SegmentedControl
              label="Queue"
              selectedId={filter.queue}
              options={QUEUES.map((name) => ({ id: name, text: QUEUE_LABEL[name] }))}
              onChange={({ detail }) => update({ queue: QUEUES.find((name) => name === detail.selectedId) ?? 'lead_exception' })}
            />
            <SpaceBetween direction="horizontal" size="xs">
              <TextFilter
                filteringText={search}
                filteringAriaLabel="Search the queue"
                filteringPlaceholder="Find by any value, email or phone"
                filteringClearAriaLabel="Clear search"
                onChange={({ detail }) => setSearch(detail.filteringText)}
                onDelayedChange={({ detail }) => update({ search: detail.filteringText })}
              />
              <FilterSelect
                label="Process"
                value={filter.processId}
                options={(processes.data ?? []).map((process) => ({ value: process.id, label: process.name }))}
                onChange={(processId) => update({ processId })}
              />
              <FilterSelect
                label="Batch"
                value={filter.batchId}
                options={(batches.data?.items ?? []).map((batch) => ({ value: batch.id, label: batch.name }))}
                onChange={(batchId) => update({ batchId })}
              />
              <FilterSelect
                label="Group"
                value={filter.groupId}
                options={(groups.data ?? []).map((group) => ({ value: group.id, label: group.name }))}
                onChange={(groupId) => update({ groupId })}
              />
            </SpaceBetween>
          </SpaceBetween>
        }
        pagination={
          <Pagination
            ariaLabels={paginationLabels}
            currentPageIndex={pageIndex + 1}
            pagesCount={cursors.length}
            openEnd={next !== null}
            onChange={({ detail }) => setPageIndex(detail.currentPageIndex - 1)}
            onNextPageClick={({ detail }) => {
              if (!detail.requestedPageAvailable && next) setCursors((known) => [...known, next]);
              setPageIndex(detail.requestedPageIndex - 1);
            }}
          />
        }
        empty={
          filtered ? (
            <TableNoMatchState
              title="No matches"
              body="No card of this queue matches the filter."
              onClear={() => {
                setSearch('');
                setParams(writeQueueFilter({ queue: filter.queue, processId: null, batchId: null, groupId: null, search: '' }));
              }}
            />
          ) : (
            <TableEmptyState title={`${QUEUE_LABEL[filter.queue]} is empty`} body="No card is waiting here." />
          )
        }
      />
      {move && <MoveModal move={move} onClose={() => setMove(null)} />}
    </>
  );
}
