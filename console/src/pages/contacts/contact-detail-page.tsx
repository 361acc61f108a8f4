/** One contact (PRODUCT §8): its details, tags and attributes, and everything sent to it (its history). */
import Box from '@cloudscape-design/components/box';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Table from '@cloudscape-design/components/table';
import { useParams } from 'react-router';

import type { CardStatus } from '../../api/models';
import { CARD_STATUS, formatTime } from '../../common/labels';
import { RouterLink } from '../../common/links';
import { usePageTitle } from '../../common/shell';
import { tableLabels } from '../../common/strings';
import { TableEmptyState } from '../../common/table-states';
import { useContact, useContactHistory } from '../../hooks/contacts';

export default function ContactDetailPage() {
  const { contactId = '' } = useParams();
  const contact = useContact(contactId);
  const history = useContactHistory(contactId);
  const found = contact.data;
  const name = found ? [found.first_name, found.last_name].filter(Boolean).join(' ') || found.external_id : contactId;
  usePageTitle([
    { text: 'Contacts', href: '/contacts' },
    { text: name, href: `/contacts/${contactId}` },
  ]);
  if (!found) return contact.isPending ? <Spinner size="large" /> : <Box>The contact could not be loaded.</Box>;
  const address = [found.address_line1, found.address_line2, [found.postcode, found.city].filter(Boolean).join(' '), found.region, found.country].filter(Boolean).join(', ');
  return (
    <SpaceBetween size="l">
      <Header variant="h1" description={`External id ${found.external_id}`}>
        {name}
      </Header>
      <Container header={<Header variant="h2">Details</Header>}>
        <KeyValuePairs
          columns={3}
          items={[
            { label: 'Email', value: found.email ?? '-' },
            { label: 'Phone', value: found.phone ?? '-' },
            { label: 'Postal address', value: address || '-' },
            { label: 'Tags', value: found.tags.join(', ') || '-' },
            { label: 'Attributes', value: Object.entries(found.attributes).map(([key, value]) => `${key}: ${String(value)}`).join(' · ') || '-' },
            { label: 'Updated', value: formatTime(found.updated_at) },
          ]}
        />
      </Container>
      <Table
        ariaLabels={tableLabels('History')}
        header={<Header variant="h2" description="Every card and letter sent to this contact, newest first; kept even if the contact is deleted.">History</Header>}
        items={history.data?.items ?? []}
        loading={history.isPending}
        loadingText="Loading the history"
        trackBy="card_id"
        columnDefinitions={[
          { id: 'batch', header: 'Batch', cell: (entry) => <RouterLink href={`/batches/${entry.batch_id}`}>{entry.batch_name ?? entry.batch_id}</RouterLink>, isRowHeader: true },
          { id: 'status', header: 'Card', cell: (entry) => <RouterLink href={`/cards/${entry.card_id}`}>{CARD_STATUS[entry.status as CardStatus]?.label ?? entry.status}</RouterLink> },
          { id: 'channels', header: 'Channels', cell: (entry) => [...entry.channels, ...(entry.letter ? ['letter'] : [])].join(', ') || '-' },
          { id: 'sent', header: 'Sent', cell: (entry) => formatTime(entry.sent_at) },
          { id: 'printed', header: 'Letter printed', cell: (entry) => (entry.letter ? formatTime(entry.letter_printed_at) : '-') },
          { id: 'error', header: 'Error', cell: (entry) => entry.error ?? '-' },
        ]}
        empty={<TableEmptyState title="Nothing sent yet" body="Cards and letters sent to this contact appear here." />}
      />
    </SpaceBetween>
  );
}
