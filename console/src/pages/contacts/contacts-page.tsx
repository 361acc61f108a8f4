/**
 * Contacts (PRODUCT §8, §11): the filter builder (tags, channels, fields and attributes; AND/OR/NOT)
 * with the exact number of contacts it matches, asked for as it changes; the matching contacts,
 * paged; importing a file; and "Add to batch communication" from the current filter. The filter is
 * kept in the address (`?f=`).
 */
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';

import { messageOf } from '../../api/errors';
import type { Contact } from '../../api/models';
import { plural } from '../../common/labels';
import { useCursorPages } from '../../common/cursor-pages';
import { RouterLink, useFollow } from '../../common/links';
import { usePageTitle } from '../../common/shell';
import { tableLabels } from '../../common/strings';
import { TableEmptyState } from '../../common/table-states';
import { useContactCount, useContactsPage } from '../../hooks/contacts';
import { CommunicationModal } from './communication-modal';
import { FilterEditor } from './filter-editor';
import { describe, readBuilder, toFilter, writeBuilder, type Builder } from './filter-builder';

const DEBOUNCE_MS = 400;

const COLUMNS: TableProps.ColumnDefinition<Contact>[] = [
  {
    id: 'name',
    header: 'Name',
    cell: (contact) => <RouterLink href={`/contacts/${contact.id}`}>{[contact.first_name, contact.last_name].filter(Boolean).join(' ') || contact.external_id}</RouterLink>,
    isRowHeader: true,
  },
  { id: 'external', header: 'External id', cell: (contact) => contact.external_id },
  { id: 'email', header: 'Email', cell: (contact) => contact.email ?? '-' },
  { id: 'phone', header: 'Phone', cell: (contact) => contact.phone ?? '-' },
  { id: 'city', header: 'City', cell: (contact) => contact.city ?? '-' },
  { id: 'tags', header: 'Tags', cell: (contact) => contact.tags.join(', ') || '-' },
];

/** `value`, once it has stopped changing for `ms`. */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export default function ContactsPage() {
  usePageTitle([{ text: 'Contacts', href: '/contacts' }]);
  const follow = useFollow();
  const [query, setQuery] = useSearchParams();
  const builder = useMemo(() => readBuilder(query.get('f')), [query]);
  const filter = toFilter(builder);
  const filterText = useDebounced(filter ? JSON.stringify(filter) : '', DEBOUNCE_MS);
  const pages = useCursorPages();
  const [adding, setAdding] = useState(false);
  const contacts = useContactsPage(filterText, pages.cursor);
  const count = useContactCount(filterText);
  const next = contacts.data?.next_cursor ?? null;
  const setBuilder = (changed: Builder) => {
    pages.reset();
    const written = writeBuilder(changed);
    setQuery(written ? { f: written } : {}, { replace: true });
  };
  const counting = count.isFetching || (filter ? JSON.stringify(filter) : '') !== filterText;
  const summary = builder.conditions.map(describe).join(builder.join === 'and' ? ' AND ' : ' OR ');
  return (
    <SpaceBetween size="l">
      <Header
        variant="h1"
        description="The organisation's stored recipients. Filter them into a working list, then make it a batch communication."
        actions={
          <SpaceBetween direction="horizontal" size="xs">
            <Button href="/contacts/import" onFollow={follow}>
              Import contacts
            </Button>
            <Button variant="primary" onClick={() => setAdding(true)} disabled={count.data === 0} disabledReason="The filter matches no contact.">
              Add to batch communication
            </Button>
          </SpaceBetween>
        }
      >
        Contacts
      </Header>
      <Container
        header={
          <Header
            variant="h2"
            description={summary || 'No condition: every contact.'}
            counter={undefined}
            actions={
              <Box variant="h3" tagOverride="p">
                <span role="status" aria-live="polite" aria-label="Matching contacts">
                  {count.isError ? `The filter cannot be counted: ${messageOf(count.error)}` : count.data === undefined ? <Spinner /> : `${plural(count.data, 'contact')} match`}
                  {counting && count.data !== undefined ? ' (counting…)' : ''}
                </span>
              </Box>
            }
          >
            Working list
          </Header>
        }
      >
        <FilterEditor builder={builder} onChange={setBuilder} />
      </Container>
      <Table
        enableKeyboardNavigation
        ariaLabels={tableLabels('Contacts')}
        header={<Header variant="h2">Matching contacts</Header>}
        columnDefinitions={COLUMNS}
        items={contacts.data?.items ?? []}
        trackBy="id"
        loading={contacts.isPending}
        loadingText="Loading contacts"
        pagination={pages.pagination(next)}
        empty={
          <TableEmptyState
            title={filter ? 'No matches' : 'No contacts'}
            body={filter ? 'No contact matches this filter.' : 'Import a CSV or Excel file of contacts to start.'}
            action={
              <Button href="/contacts/import" onFollow={follow}>
                Import contacts
              </Button>
            }
          />
        }
      />
      {adding && <CommunicationModal filter={filter} count={count.data} onClose={() => setAdding(false)} />}
    </SpaceBetween>
  );
}
