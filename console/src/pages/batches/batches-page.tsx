/**
 * Batches — the Bulk Sender list (PRODUCT §4, §11): name, process, sender, created at, "X/Y sent"
 * and status; filtered by status (the article's defaults) and name, sorted by name or time, paged
 * on the server with the API's cursor, refreshed while a listed batch is moving.
 */
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import Multiselect from '@cloudscape-design/components/multiselect';
import Pagination from '@cloudscape-design/components/pagination';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';

import { useFollow } from '../../common/links';
import { usePageTitle } from '../../common/shell';
import { EMPTY, LABELS, paginationLabels, tableLabels } from '../../common/strings';
import { TableEmptyState, TableNoMatchState } from '../../common/table-states';
import { useBatchesPage } from '../../hooks/batches';
import type { BatchListParams } from '../../hooks/keys';
import { DEFAULT_BATCH_FILTER } from '../../common/labels';
import { COLUMN_DEFINITIONS, STATUS_OPTIONS } from './batches-config';
import { listParams, readListState, statusesOf, writeListState, type ListState } from './list-state';

export default function BatchesPage() {
  usePageTitle([{ text: 'Batches', href: '/batches' }]);
  const follow = useFollow();
  const [query, setQuery] = useSearchParams();
  const state = readListState(query);
  const [searchText, setSearchText] = useState(state.search);
  // Cursors of the pages visited so far: page n starts at cursors[n - 1] (page 1 at the start).
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [pageIndex, setPageIndex] = useState(1);
  const [sizes, setSizes] = useState<number[]>([]);

  const params: BatchListParams = useMemo(
    () => listParams(state),
    // The state is read from the URL on every render; its values, not its identity, are the key.
    [state.statuses.join(','), state.search, state.sort, state.order],
  );
  useEffect(() => {
    setCursors([null]);
    setPageIndex(1);
    setSizes([]);
  }, [params]);
  const page = useBatchesPage(params, cursors[pageIndex - 1] ?? null);
  const loadedSize = page.data && !page.isPlaceholderData ? page.data.items.length : null;
  useEffect(() => {
    if (loadedSize !== null) setSizes((known) => Object.assign([...known], { [pageIndex - 1]: loadedSize }));
  }, [loadedSize, pageIndex]);
  const items = page.data?.items ?? [];
  const nextCursor = page.data?.nextCursor ?? null;

  const selected = new Set<string>(state.statuses);
  const update = (change: Partial<ListState>) => setQuery(writeListState({ ...state, ...change }));
  const filtered = state.search !== '' || state.statuses.join() !== DEFAULT_BATCH_FILTER.join();
  // Rows on the pages before this one (pages can differ in size: see fetchBatchesPage).
  const shownBefore = sizes.slice(0, pageIndex - 1).reduce((total, size) => total + size, 0);
  const counter = page.data ? `(${shownBefore + items.length}${nextCursor ? '+' : ''})` : undefined;

  return (
    <Table
      variant="full-page"
      enableKeyboardNavigation
      ariaLabels={tableLabels(LABELS.batches.table)}
      columnDefinitions={COLUMN_DEFINITIONS}
      items={items}
      trackBy="id"
      loading={page.isPending}
      loadingText="Loading batches"
      sortingColumn={COLUMN_DEFINITIONS.find((column) => column.sortingField === state.sort) ?? {}}
      sortingDescending={state.order === 'desc'}
      onSortingChange={({ detail }) => {
        const sort = detail.sortingColumn.sortingField === 'name' ? 'name' : 'created';
        update({ sort, order: detail.isDescending ? 'desc' : 'asc' });
      }}
      header={
        <Header
          variant="awsui-h1-sticky"
          counter={counter}
          description="Every batch of your organisation: its process, who sent it, and how far it got."
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button iconName="refresh" ariaLabel={LABELS.batches.refresh} loading={page.isFetching && !page.isPending} onClick={() => void page.refetch()} />
              <Button variant="primary" href="/batches/new" onFollow={follow}>
                {LABELS.batches.create}
              </Button>
            </SpaceBetween>
          }
        >
          Batches
        </Header>
      }
      filter={
        <SpaceBetween direction="horizontal" size="m">
          <TextFilter
            filteringText={searchText}
            filteringAriaLabel={LABELS.batches.search}
            filteringPlaceholder={LABELS.batches.searchPlaceholder}
            filteringClearAriaLabel={LABELS.batches.searchClear}
            onChange={({ detail }) => setSearchText(detail.filteringText)}
            onDelayedChange={({ detail }) => update({ search: detail.filteringText.trim() })}
          />
          <div className="wide-select">
            <Multiselect
              selectedOptions={STATUS_OPTIONS.filter((option) => selected.has(option.value ?? ''))}
              options={STATUS_OPTIONS}
              placeholder={LABELS.batches.statusFilterPlaceholder}
              ariaLabel={LABELS.batches.statusFilter}
              inlineTokens
              tokenLimit={3}
              onChange={({ detail }) =>
                update({ statuses: statusesOf(detail.selectedOptions) })
              }
            />
          </div>
        </SpaceBetween>
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
        nextCursor ? (
          <TableEmptyState {...EMPTY.batchesNotYet} />
        ) : filtered ? (
          <TableNoMatchState
            {...EMPTY.batchesNoMatch}
            onClear={() => {
              setSearchText('');
              update({ search: '', statuses: [...DEFAULT_BATCH_FILTER] });
            }}
          />
        ) : (
          <TableEmptyState {...EMPTY.batches} action={<Button href="/batches/new" onFollow={follow}>{LABELS.batches.create}</Button>} />
        )
      }
    />
  );
}
