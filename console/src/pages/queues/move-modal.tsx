/**
 * Moving a queued card: to an agent chosen by name (the agent moves to the end of the group's
 * rotation and is told), or back to the pool (assigned again by its batch's setting, as if it had
 * just been delivered). Both say what will happen before anything is sent.
 */
import Box from '@cloudscape-design/components/box';
import FormField from '@cloudscape-design/components/form-field';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';

import type { QueuedCard } from '../../api/models';
import { ConfirmModal } from '../../common/confirm';
import { leadName } from '../../common/leads';
import { useAgents } from '../../hooks/agents';
import { useMoveCard } from '../../hooks/queues';

export type Move = { card: QueuedCard; to: 'agent' | 'pool' };

export function MoveModal({ move, onClose }: { move: Move; onClose: () => void }) {
  const agents = useAgents(move.to === 'agent');
  const moveCard = useMoveCard();
  const [agentId, setAgentId] = useState<string | null>(null);
  const name = leadName(move.card);
  const options = (agents.data ?? []).map((agent) => ({
    value: agent.id,
    label: agent.name,
    description: `${agent.email}${agent.available ? '' : ' · unavailable'}`,
  }));
  const confirm = () =>
    moveCard.mutate(
      {
        cardId: move.card.id,
        agentId: move.to === 'agent' ? agentId : null,
        agentName: agents.data?.find((agent) => agent.id === agentId)?.name,
        label: name,
      },
      { onSuccess: onClose },
    );
  return (
    <ConfirmModal
      visible
      title={move.to === 'agent' ? `Assign ${name} to an agent` : `Return ${name} to the pool`}
      confirmLabel={move.to === 'agent' ? 'Assign' : 'Return to the pool'}
      confirmDisabled={move.to === 'agent' && agentId === null}
      busy={moveCard.isPending}
      onConfirm={confirm}
      onCancel={onClose}
    >
      {move.to === 'agent' ? (
        <SpaceBetween size="m">
          <Box>The card leaves the queue and starts with its process's initial status; the agent is told.</Box>
          <FormField label="Agent" controlId="move-agent">
            <Select
              controlId="move-agent"
              placeholder="Choose an agent"
              statusType={agents.isPending ? 'loading' : 'finished'}
              loadingText="Loading agents"
              filteringType="auto"
              selectedOption={options.find((option) => option.value === agentId) ?? null}
              options={options}
              onChange={({ detail }) => setAgentId(detail.selectedOption.value ?? null)}
              empty="No agents yet"
            />
          </FormField>
        </SpaceBetween>
      ) : (
        <Box>
          The card is assigned again by its batch's setting: the rotation, eligibility and availability, business hours,
          then the default agent or Lead Exception.
        </Box>
      )}
    </ConfirmModal>
  );
}
