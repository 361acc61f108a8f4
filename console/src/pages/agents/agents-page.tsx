/**
 * Agents and groups (admin, PRODUCT §7, §11): the agents with their availability, groups,
 * eligibility filters, linked user and the cards each holds; importing agents from a file; the
 * distribution groups, each with its default agent and its members in rotation order (the next
 * to be given a card first).
 */
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import { useState } from 'react';

import type { Agent, Group, GroupView } from '../../api/models';
import { ConfirmModal } from '../../common/confirm';
import { canManageAgents } from '../../common/permissions';
import { useIdentity } from '../../common/session';
import { usePageTitle } from '../../common/shell';
import { tableLabels } from '../../common/strings';
import { TableEmptyState } from '../../common/table-states';
import { useAgents, useDeleteAgent, useDeleteGroup, useGroups, useGroupViews } from '../../hooks/agents';
import { AgentModal } from './agent-modal';
import { formatFilter } from './filters';
import { GroupModal } from './group-modal';
import { cardsHeld } from './holdings';
import { ImportModal } from './import-modal';

const available = (yes: boolean) =>
  yes ? <StatusIndicator type="success">Available</StatusIndicator> : <StatusIndicator type="stopped">Unavailable</StatusIndicator>;

function Rotation({ group, agents }: { group: GroupView; agents: Map<string, Agent> }) {
  const defaultAgent = group.default_agent_id ? agents.get(group.default_agent_id) : undefined;
  return (
    <Container header={<Header variant="h2" description="The next to be given a card first.">{`${group.name}: rotation`}</Header>}>
      <SpaceBetween size="m">
        <Box>{`Default agent: ${defaultAgent ? defaultAgent.name : group.default_agent_id ? group.default_agent_id : 'none (Lead Exception)'}`}</Box>
        <Table
          variant="embedded"
          ariaLabels={tableLabels(`Rotation of ${group.name}`)}
          items={group.rotation}
          trackBy="agent_id"
          columnDefinitions={[
            { id: 'place', header: 'Place', cell: (place) => group.rotation.indexOf(place) + 1 },
            { id: 'agent', header: 'Agent', cell: (place) => agents.get(place.agent_id)?.name ?? place.agent_id, isRowHeader: true },
            { id: 'available', header: 'Availability', cell: (place) => available(place.available) },
            { id: 'assigned', header: 'Cards held in the group', cell: (place) => place.assigned },
          ]}
          empty={<TableEmptyState title="No members" body="Add agents to this group from the agent's form." />}
        />
      </SpaceBetween>
    </Container>
  );
}

export default function AgentsPage() {
  usePageTitle([{ text: 'Agents and groups', href: '/agents' }]);
  const admin = canManageAgents(useIdentity());
  const agents = useAgents();
  const groups = useGroups();
  const views = useGroupViews(groups.data ?? []);
  const [editing, setEditing] = useState<Agent | 'new' | null>(null);
  const [editingGroup, setEditingGroup] = useState<Group | 'new' | null>(null);
  const [importing, setImporting] = useState(false);
  const [selectedAgent, setSelectedAgent] = useState<Agent | null>(null);
  const [selectedGroup, setSelectedGroup] = useState<Group | null>(null);
  const [deleting, setDeleting] = useState<{ agent: Agent } | { group: Group } | null>(null);
  const deleteAgent = useDeleteAgent();
  const deleteGroup = useDeleteGroup();

  const agentList = agents.data ?? [];
  const groupList = groups.data ?? [];
  const byId = new Map(agentList.map((agent) => [agent.id, agent]));
  const groupNames = new Map(groupList.map((group) => [group.id, group.name]));
  const held = cardsHeld(views.groups);
  const rotation = selectedGroup ? views.groups.find((view) => view.id === selectedGroup.id) : undefined;

  const agentColumns: TableProps.ColumnDefinition<Agent>[] = [
    { id: 'name', header: 'Name', cell: (agent) => agent.name, isRowHeader: true },
    { id: 'email', header: 'Login email', cell: (agent) => agent.email },
    { id: 'available', header: 'Availability', cell: (agent) => available(agent.available) },
    { id: 'groups', header: 'Groups', cell: (agent) => agent.groups.map((id) => groupNames.get(id) ?? id).join(', ') || '-' },
    {
      id: 'filters',
      header: 'Eligibility',
      cell: (agent) =>
        Object.entries(agent.filters)
          .map(([field, filter]) => `${field} ${formatFilter(filter)}`)
          .join('; ') || 'Every card',
    },
    { id: 'user', header: 'User', cell: (agent) => (agent.user_id ? <StatusIndicator type="success">Linked</StatusIndicator> : <StatusIndicator type="pending">Not linked yet</StatusIndicator>) },
    { id: 'held', header: 'Cards held', cell: (agent) => (views.loading ? '…' : (held.get(agent.id) ?? 0)) },
  ];
  const groupColumns: TableProps.ColumnDefinition<Group>[] = [
    { id: 'name', header: 'Name', cell: (group) => group.name, isRowHeader: true },
    { id: 'default', header: 'Default agent', cell: (group) => (group.default_agent_id ? (byId.get(group.default_agent_id)?.name ?? group.default_agent_id) : 'None') },
    { id: 'members', header: 'Members', cell: (group) => views.groups.find((view) => view.id === group.id)?.rotation.length ?? '…' },
    {
      id: 'held',
      header: 'Cards held',
      cell: (group) => views.groups.find((view) => view.id === group.id)?.rotation.reduce((sum, place) => sum + place.assigned, 0) ?? '…',
    },
  ];

  return (
    <SpaceBetween size="l">
      <Table
        enableKeyboardNavigation
        ariaLabels={tableLabels('Agents')}
        columnDefinitions={agentColumns}
        items={agentList}
        trackBy="id"
        selectionType="single"
        selectedItems={selectedAgent ? [selectedAgent] : []}
        onSelectionChange={({ detail }) => setSelectedAgent(detail.selectedItems[0] ?? null)}
        loading={agents.isPending}
        loadingText="Loading agents"
        header={
          <Header
            variant="h1"
            counter={agents.data ? `(${agentList.length})` : undefined}
            description="The people who work assigned cards: their availability, groups and the cards each may be given."
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <Button disabled={!admin || !selectedAgent} onClick={() => selectedAgent && setDeleting({ agent: selectedAgent })}>
                  Delete
                </Button>
                <Button disabled={!admin || !selectedAgent} onClick={() => selectedAgent && setEditing(selectedAgent)}>
                  Edit
                </Button>
                <Button disabled={!admin} onClick={() => setImporting(true)}>
                  Import from file
                </Button>
                <Button variant="primary" disabled={!admin} onClick={() => setEditing('new')}>
                  New agent
                </Button>
              </SpaceBetween>
            }
          >
            Agents
          </Header>
        }
        empty={<TableEmptyState title="No agents" body="Create agents one by one or import them from a file." />}
      />
      <ColumnLayout columns={rotation ? 2 : 1}>
        <Table
          enableKeyboardNavigation
          ariaLabels={tableLabels('Groups')}
          columnDefinitions={groupColumns}
          items={groupList}
          trackBy="id"
          selectionType="single"
          selectedItems={selectedGroup ? [selectedGroup] : []}
          onSelectionChange={({ detail }) => setSelectedGroup(detail.selectedItems[0] ?? null)}
          loading={groups.isPending}
          loadingText="Loading groups"
          header={
            <Header
              variant="h2"
              counter={groups.data ? `(${groupList.length})` : undefined}
              description="Select a group to see its rotation."
              actions={
                <SpaceBetween direction="horizontal" size="xs">
                  <Button disabled={!admin || !selectedGroup} onClick={() => selectedGroup && setDeleting({ group: selectedGroup })}>
                    Delete
                  </Button>
                  <Button disabled={!admin || !selectedGroup} onClick={() => selectedGroup && setEditingGroup(selectedGroup)}>
                    Edit
                  </Button>
                  <Button disabled={!admin} onClick={() => setEditingGroup('new')}>
                    New group
                  </Button>
                </SpaceBetween>
              }
            >
              Distribution groups
            </Header>
          }
          empty={<TableEmptyState title="No groups" body="A process assigns its cards to the agents of one group." />}
        />
        {rotation && <Rotation group={rotation} agents={byId} />}
      </ColumnLayout>
      {editing && <AgentModal agent={editing === 'new' ? null : editing} groups={groupList} onClose={() => setEditing(null)} />}
      {editingGroup && <GroupModal group={editingGroup === 'new' ? null : editingGroup} agents={agentList} onClose={() => setEditingGroup(null)} />}
      {importing && <ImportModal onClose={() => setImporting(false)} />}
      {deleting && (
        <ConfirmModal
          visible
          title={'agent' in deleting ? `Delete agent ${deleting.agent.name}?` : `Delete group ${deleting.group.name}?`}
          confirmLabel="Delete"
          busy={deleteAgent.isPending || deleteGroup.isPending}
          onCancel={() => setDeleting(null)}
          onConfirm={() => {
            if ('agent' in deleting) {
              deleteAgent.mutate(deleting.agent, { onSuccess: () => (setDeleting(null), setSelectedAgent(null)) });
            } else {
              deleteGroup.mutate(deleting.group, { onSuccess: () => (setDeleting(null), setSelectedGroup(null)) });
            }
          }}
        >
          {'agent' in deleting
            ? 'The agent is removed from every group. An agent who still holds cards cannot be deleted: reassign or retrieve them first.'
            : 'Only an empty group can be deleted; processes that assign to it must be changed first.'}
        </ConfirmModal>
      )}
    </SpaceBetween>
  );
}
