/**
 * The agent's workspace (PRODUCT §7, §11): my availability, the offers made to me (ring all) to
 * accept, the New Leads I may claim (distribute all), and my cards — least recently worked first,
 * the ones closest to being taken back — with their work status and an activity entry. Every list
 * refreshes by itself; a claim or accept another agent won first says so.
 */
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import Toggle from '@cloudscape-design/components/toggle';
import { useState } from 'react';

import type { LeadCard, WorkedCard } from '../../api/models';
import { formatTime } from '../../common/labels';
import { leadContact, leadName } from '../../common/leads';
import { usePageTitle } from '../../common/shell';
import { tableLabels } from '../../common/strings';
import { TableEmptyState } from '../../common/table-states';
import { useAccept, useClaim, useMe, useMyCards, useMyLeads, useMyOffers, useSetAvailability } from '../../hooks/workspace';
import { ActivityModal } from './activity-modal';

function TakeButton({ lead, kind }: { lead: LeadCard; kind: 'claim' | 'accept' }) {
  const claim = useClaim();
  const accept = useAccept();
  const mutation = kind === 'claim' ? claim : accept;
  const name = leadName(lead);
  return (
    <Button
      ariaLabel={`${kind === 'claim' ? 'Claim' : 'Accept'} ${name}`}
      loading={mutation.isPending}
      onClick={() => mutation.mutate({ cardId: lead.id, label: name })}
    >
      {kind === 'claim' ? 'Claim' : 'Accept'}
    </Button>
  );
}

const leadColumns = (kind: 'claim' | 'accept'): TableProps.ColumnDefinition<LeadCard>[] => [
  { id: 'name', header: 'Lead', cell: leadName, isRowHeader: true },
  { id: 'contact', header: 'Contact', cell: leadContact },
  kind === 'accept'
    ? { id: 'expires', header: 'Offer lapses at', cell: (lead) => formatTime(lead.offer_expires_at) }
    : { id: 'sent', header: 'Sent at', cell: (lead) => formatTime(lead.sent_at) },
  { id: 'take', header: 'Action', cell: (lead) => <TakeButton lead={lead} kind={kind} /> },
];
const OFFER_COLUMNS = leadColumns('accept');
const LEAD_COLUMNS = leadColumns('claim');

function lastActivity(card: WorkedCard): string {
  const last = card.assignment.last_activity;
  if (!last) return '-';
  return `${last['type'] ?? 'activity'} · ${formatTime(last['at'])}`;
}

export default function WorkspacePage() {
  usePageTitle([{ text: 'My work', href: '/workspace' }]);
  const me = useMe();
  const available = me.data?.available ?? false;
  const offers = useMyOffers();
  const leads = useMyLeads(available);
  const cards = useMyCards();
  const availability = useSetAvailability();
  const [working, setWorking] = useState<WorkedCard | null>(null);

  const cardColumns: TableProps.ColumnDefinition<WorkedCard>[] = [
    { id: 'name', header: 'Lead', cell: leadName, isRowHeader: true },
    { id: 'contact', header: 'Contact', cell: leadContact },
    { id: 'status', header: 'Work status', cell: (card) => card.assignment.work_status ?? '-' },
    { id: 'activity', header: 'Last activity', cell: lastActivity }, // "assigned" at first: when it came to me
    {
      id: 'work',
      header: 'Action',
      cell: (card) => (
        <Button ariaLabel={`Record activity on ${leadName(card)}`} onClick={() => setWorking(card)}>
          Record
        </Button>
      ),
    },
  ];

  return (
    <SpaceBetween size="l">
      <Header
        variant="h1"
        description={me.data ? `${me.data.name} · ${me.data.email}` : 'The cards you work, the leads you may claim and the offers made to you.'}
        actions={
          <Toggle
            checked={available}
            disabled={!me.data || availability.isPending}
            onChange={({ detail }) => availability.mutate(detail.checked)}
            description={available ? 'New cards can come to you.' : 'No new card comes to you.'}
          >
            Available for new cards
          </Toggle>
        }
      >
        My work
      </Header>
      <Table
        enableKeyboardNavigation
        ariaLabels={tableLabels('Offers')}
        columnDefinitions={OFFER_COLUMNS}
        items={offers.data?.items ?? []}
        trackBy="id"
        loading={offers.isPending}
        loadingText="Loading offers"
        header={
          <Header variant="h2" counter={offers.data ? `(${offers.data.items.length})` : undefined} description="Offered to you and a few others at once: the first to accept gets it.">
            Offers
          </Header>
        }
        empty={<TableEmptyState title="No offers" body="No card is offered to you right now." />}
      />
      <Table
        enableKeyboardNavigation
        ariaLabels={tableLabels('New Leads')}
        columnDefinitions={LEAD_COLUMNS}
        items={available ? (leads.data?.items ?? []) : []}
        trackBy="id"
        loading={available && leads.isPending}
        loadingText="Loading new leads"
        header={
          <Header variant="h2" counter={available && leads.data ? `(${leads.data.items.length})` : undefined} description="Offered to every eligible agent of your groups: the first claim wins.">
            New Leads
          </Header>
        }
        empty={
          available ? (
            <TableEmptyState title="No new leads" body="No card is waiting for a claim." />
          ) : (
            <TableEmptyState title="You are unavailable" body="Switch yourself on to see and claim new leads." />
          )
        }
      />
      <Table
        enableKeyboardNavigation
        ariaLabels={tableLabels('My cards')}
        columnDefinitions={cardColumns}
        items={cards.data?.items ?? []}
        trackBy="id"
        loading={cards.isPending}
        loadingText="Loading your cards"
        header={
          <Header variant="h2" counter={cards.data ? `(${cards.data.items.length})` : undefined} description="Least recently worked first: an idle card is taken back after some days.">
            My cards
          </Header>
        }
        empty={<TableEmptyState title="No cards" body="No card is assigned to you." />}
        footer={
          cards.data?.next_cursor ? (
            <Box textAlign="center" color="text-status-inactive">
              <StatusIndicator type="info">The 100 least recently worked are shown.</StatusIndicator>
            </Box>
          ) : undefined
        }
      />
      {working && <ActivityModal card={working} onClose={() => setWorking(null)} />}
    </SpaceBetween>
  );
}
