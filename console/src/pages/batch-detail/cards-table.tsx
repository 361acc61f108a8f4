/** A batch's cards in file order (PRODUCT §5): status filter, server paging with the API's cursor. */
import Header from '@cloudscape-design/components/header';
import Pagination from '@cloudscape-design/components/pagination';
import Select, { type SelectProps } from '@cloudscape-design/components/select';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import { useState } from 'react';

import type { CardStatus, CardSummary } from '../../api/models';
import { CARD_STATUS, CARD_STATUSES, formatTime, personLabel } from '../../common/labels';
import { RouterLink } from '../../common/links';
import { EMPTY, LABELS, paginationLabels, tableLabels } from '../../common/strings';
import { TableEmptyState, TableNoMatchState } from '../../common/table-states';
import { useCardsPage } from '../../hooks/cards';
import { REFRESH_MS } from '../../hooks/batches';

const ALL: SelectProps.Option = { value: '', label: 'All statuses' };
const OPTIONS: SelectProps.Option[] = [ALL, ...CARD_STATUSES.map((status) => ({ value: status, label: CARD_STATUS[status].label }))];

export function channelOf(card: CardSummary): string {
  const channel = card.last_distribution?.channel ?? (card.email ? 'email' : card.phone ? 'sms' : null);
  return channel === 'sms' ? 'SMS' : channel === 'email' ? 'Email' : '-';
}

export const CARD_COLUMNS: TableProps.ColumnDefinition<CardSummary>[] = [
  { id: 'row', header: 'Row', cell: (card) => <RouterLink href={`/cards/${card.id}`}>{`Row ${card.row}`}</RouterLink>, isRowHeader: true },
  {
    id: 'status',
    header: 'Status',
    cell: (card) => (
      <StatusIndicator type={CARD_STATUS[card.status].type}>
        {CARD_STATUS[card.status].label}
        {card.error ? `: ${card.error}` : ''}
      </StatusIndicator>
    ),
  },
  { id: 'channel', header: 'Channel', cell: channelOf },
  { id: 'address', header: 'Address', cell: (card) => card.last_distribution?.address ?? card.email ?? card.phone ?? '-' },
  {
    id: 'distribution',
    header: 'Last distribution',
    cell: (card) => (card.last_distribution ? `${formatTime(card.last_distribution.at)} by ${personLabel(card.last_distribution.by, card.last_distribution.by_email)}` : '-'),
  },
  {
    id: 'access',
    header: 'Access',
    cell: (card) => (card.access_count ? `${card.access_count}×, first ${formatTime(card.accessed_at)}` : 'Not opened'),
  },
];

export function CardsTable({ batchId, moving, total }: { batchId: string; moving: boolean; total: number }) {
  const [status, setStatus] = useState<CardStatus | null>(null);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [pageIndex, setPageIndex] = useState(1);
  const page = useCardsPage(batchId, status, cursors[pageIndex - 1] ?? null, moving ? REFRESH_MS : false);
  const nextCursor = page.data?.next_cursor ?? null;
  const choose = (next: CardStatus | null) => {
    setStatus(next);
    setCursors([null]);
    setPageIndex(1);
  };
  return (
    <Table
      variant="container"
      enableKeyboardNavigation
      ariaLabels={tableLabels(LABELS.batch.cards)}
      columnDefinitions={CARD_COLUMNS}
      items={page.data?.items ?? []}
      trackBy="id"
      loading={page.isPending}
      loadingText="Loading cards"
      header={
        <Header counter={status ? undefined : `(${total.toLocaleString()})`} description="In the order of the file's rows.">
          {LABELS.batch.cards}
        </Header>
      }
      filter={
        <div className="narrow-filter">
          <Select
            selectedOption={OPTIONS.find((option) => option.value === (status ?? '')) ?? ALL}
            options={OPTIONS}
            ariaLabel={LABELS.batch.cardStatusFilter}
            onChange={({ detail }) => choose((detail.selectedOption.value || null) as CardStatus | null)}
          />
        </div>
      }
      pagination={
        <Pagination
          currentPageIndex={pageIndex}
          pagesCount={cursors.length}
          openEnd={nextCursor !== null}
          disabled={page.isFetching}
          ariaLabels={paginationLabels}
          onChange={({ detail }) => setPageIndex(Math.min(detail.currentPageIndex, cursors.length))}
          onNextPageClick={({ detail }) => {
            if (!detail.requestedPageAvailable && nextCursor) {
              setCursors((known) => [...known.slice(0, pageIndex), nextCursor]);
              setPageIndex(pageIndex + 1);
            }
          }}
        />
      }
      empty={
        status ? <TableNoMatchState {...EMPTY.cardsNoMatch} onClear={() => choose(null)} /> : <TableEmptyState {...EMPTY.cards} />
      }
    />
  );
}
