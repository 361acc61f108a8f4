/**
 * Card detail (PRODUCT §5, §11): the card's values, its status, every distribution (the last one
 * called out), its accesses and delivery events, and "Distribute card" when the role and the
 * card's state allow it.
 */
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { useState } from 'react';
import { useParams } from 'react-router';

import { CARD_STATUS, formatTime, personLabel } from '../../common/labels';
import { RouterLink } from '../../common/links';
import { distributePermission, isResend } from '../../common/permissions';
import { useIdentity } from '../../common/session';
import { usePageTitle } from '../../common/shell';
import { tableLabels } from '../../common/strings';
import { useBatch } from '../../hooks/batches';
import { useCard } from '../../hooks/cards';
import { DistributeModal } from './distribute-modal';

function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export default function CardDetailPage() {
  const { cardId = '' } = useParams();
  const who = useIdentity();
  const query = useCard(cardId);
  const card = query.data;
  const batch = useBatch(card?.batch_id ?? '', {}).data;
  const [distributing, setDistributing] = useState(false);
  usePageTitle([
    { text: 'Batches', href: '/batches' },
    { text: batch?.name ?? 'Batch', href: card ? `/batches/${card.batch_id}` : '/batches' },
    { text: card ? `Row ${card.row}` : cardId, href: `/cards/${cardId}` },
  ]);
  if (!card) {
    return query.isPending ? <Spinner size="large" /> : <Box>The card could not be loaded.</Box>;
  }
  const permission = distributePermission(card, batch, who);
  const words = CARD_STATUS[card.status];
  const last = card.last_distribution;
  return (
    <SpaceBetween size="l">
      <Header
        variant="h1"
        description={batch ? <RouterLink href={`/batches/${card.batch_id}`}>{batch.name}</RouterLink> : undefined}
        actions={
          <Button variant="primary" disabled={!permission.allowed} disabledReason={permission.reason} onClick={() => setDistributing(true)}>
            {isResend(card) ? 'Resend card' : 'Distribute card'}
          </Button>
        }
      >
        {`Row ${card.row}`}
      </Header>
      <Container header={<Header variant="h2">Card</Header>}>
        <KeyValuePairs
          columns={4}
          items={[
            { label: 'Status', value: <StatusIndicator type={words.type}>{words.label}</StatusIndicator> },
            { label: 'Email', value: card.email ?? '-' },
            { label: 'Phone', value: card.phone ?? '-' },
            { label: 'Error', value: card.error ?? '-' },
            { label: 'Last distribution', value: last ? `${last.channel === 'sms' ? 'SMS' : 'Email'} to ${last.address}, ${formatTime(last.at)} by ${personLabel(last.by, last.by_email)}` : '-' },
            { label: 'First access', value: formatTime(card.accessed_at) },
            { label: 'Last access', value: formatTime(card.last_accessed_at) },
            { label: 'Accesses', value: card.access_count.toLocaleString() },
          ]}
        />
      </Container>
      <ColumnLayout columns={2}>
        <Container header={<Header variant="h2">Values</Header>}>
          <KeyValuePairs columns={2} items={Object.entries(card.values).map(([name, value]) => ({ label: name, value: show(value) }))} />
        </Container>
        <Container header={<Header variant="h2">Delivery events</Header>}>
          <KeyValuePairs
            columns={2}
            items={[
              { label: 'Sent', value: formatTime(card.sent_at) },
              { label: 'Delivered', value: formatTime(card.delivered_at) },
              { label: 'Bounced', value: formatTime(card.bounced_at) },
              { label: 'Complained', value: formatTime(card.complained_at) },
              { label: 'Opened', value: formatTime(card.opened_at) },
              { label: 'Clicked', value: formatTime(card.clicked_at) },
              { label: 'Unsubscribed', value: formatTime(card.unsubscribed_at) },
            ]}
          />
        </Container>
      </ColumnLayout>
      <Table
        variant="container"
        ariaLabels={tableLabels('Distributions')}
        header={<Header counter={`(${card.distributions.length})`}>Distributions</Header>}
        items={[...card.distributions].reverse()}
        columnDefinitions={[
          { id: 'at', header: 'When', cell: (item) => formatTime(item.at), isRowHeader: true },
          { id: 'channel', header: 'Channel', cell: (item) => (item.channel === 'sms' ? 'SMS' : 'Email') },
          { id: 'address', header: 'Address', cell: (item) => item.address },
          { id: 'by', header: 'By', cell: (item) => personLabel(item.by, item.by_email) },
          { id: 'message', header: 'Provider message id', cell: (item) => item.message_id },
        ]}
        empty={<Box textAlign="center">Not distributed yet.</Box>}
      />
      <Table
        variant="container"
        ariaLabels={tableLabels('Accesses')}
        header={<Header counter={`(${card.access_count})`} description="Each opening of the card's link (the first 20 are listed).">Accesses</Header>}
        items={card.accesses.map((access, index) => ({ ...access, key: String(index) }))}
        trackBy="key"
        columnDefinitions={[{ id: 'at', header: 'When', cell: (item) => formatTime(item.at), isRowHeader: true }]}
        empty={<Box textAlign="center">The link was never opened.</Box>}
      />
      {distributing && <DistributeModal card={card} onClose={() => setDistributing(false)} />}
    </SpaceBetween>
  );
}
