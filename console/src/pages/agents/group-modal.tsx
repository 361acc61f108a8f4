/** Creating a distribution group or renaming one and setting its default agent (who gets a card nobody eligible and available can take). */
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import Modal from '@cloudscape-design/components/modal';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';

import type { Agent, Group } from '../../api/models';
import { useSaveGroup } from '../../hooks/agents';

const NONE = { value: '', label: 'No default agent', description: 'Lead Exception takes what no agent can' };

export function GroupModal({ group, agents, onClose }: { group: Group | null; agents: Agent[]; onClose: () => void }) {
  const save = useSaveGroup();
  const [name, setName] = useState(group?.name ?? '');
  const [defaultAgent, setDefaultAgent] = useState(group?.default_agent_id ?? '');
  const options = [NONE, ...agents.map((agent) => ({ value: agent.id, label: agent.name, description: agent.email }))];
  const submit = () =>
    save.mutate({ id: group?.id ?? null, body: { name: name.trim(), default_agent_id: defaultAgent || null } }, { onSuccess: onClose });
  return (
    <Modal
      visible
      onDismiss={onClose}
      header={group ? `Edit group ${group.name}` : 'New group'}
      closeAriaLabel="Close dialog"
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button variant="primary" disabled={!name.trim()} loading={save.isPending} onClick={submit}>
              {group ? 'Save group' : 'Create group'}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <Form>
        <SpaceBetween size="m">
          <FormField label="Name" controlId="group-name">
            <Input controlId="group-name" value={name} onChange={({ detail }) => setName(detail.value)} />
          </FormField>
          <FormField label="Default agent" description="Gets the group's cards that no eligible, available agent can take." controlId="group-default">
            <Select
              controlId="group-default"
              selectedOption={options.find((option) => option.value === defaultAgent) ?? NONE}
              options={options}
              filteringType="auto"
              onChange={({ detail }) => setDefaultAgent(detail.selectedOption.value ?? '')}
            />
          </FormField>
        </SpaceBetween>
      </Form>
    </Modal>
  );
}
