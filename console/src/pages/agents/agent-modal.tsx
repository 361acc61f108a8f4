/** Creating or editing an agent: login email, name, the user it is linked to, work phone and email, availability, groups and eligibility filters. */
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import Modal from '@cloudscape-design/components/modal';
import Multiselect from '@cloudscape-design/components/multiselect';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Toggle from '@cloudscape-design/components/toggle';
import { useState } from 'react';

import type { Agent, Group } from '../../api/models';
import { problemsOf } from '../../api/errors';
import { useSaveAgent } from '../../hooks/agents';
import { filtersOf, formatFilter, type FilterRow } from './filters';

export function AgentModal({ agent, groups, onClose }: { agent: Agent | null; groups: Group[]; onClose: () => void }) {
  const save = useSaveAgent();
  const [email, setEmail] = useState(agent?.email ?? '');
  const [name, setName] = useState(agent?.name ?? '');
  const [userId, setUserId] = useState(agent?.user_id ?? '');
  const [phone, setPhone] = useState(agent?.work_phone ?? '');
  const [workEmail, setWorkEmail] = useState(agent?.work_email ?? '');
  const [available, setAvailable] = useState(agent?.available ?? true);
  const [memberOf, setMemberOf] = useState<string[]>(agent?.groups ?? []);
  const [rows, setRows] = useState<FilterRow[]>(
    Object.entries(agent?.filters ?? {}).map(([field, filter]) => ({ field, condition: formatFilter(filter) })),
  );
  const { filters, problems } = filtersOf(rows);
  const options = groups.map((group) => ({ value: group.id, label: group.name }));
  const ready = email.trim() !== '' && name.trim() !== '' && problems.length === 0;
  const submit = () =>
    save.mutate(
      {
        id: agent?.id ?? null,
        body: {
          email: email.trim(),
          name: name.trim(),
          user_id: userId.trim() || null,
          work_phone: phone.trim() || null,
          work_email: workEmail.trim() || null,
          available,
          groups: memberOf,
          filters,
        },
      },
      { onSuccess: onClose },
    );
  return (
    <Modal
      visible
      size="large"
      onDismiss={onClose}
      header={agent ? `Edit ${agent.name}` : 'New agent'}
      closeAriaLabel="Close dialog"
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button variant="primary" loading={save.isPending} disabled={!ready} onClick={submit}>
              {agent ? 'Save agent' : 'Create agent'}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <Form errorText={problemsOf(save.error).join(' ') || undefined}>
        <SpaceBetween size="m">
          <ColumnLayout columns={2}>
            <FormField label="Login email" description="The email the agent signs in with (matches AssignToEmail)." controlId="agent-email">
              <Input controlId="agent-email" type="email" value={email} onChange={({ detail }) => setEmail(detail.value)} />
            </FormField>
            <FormField label="Name" controlId="agent-name">
              <Input controlId="agent-name" value={name} onChange={({ detail }) => setName(detail.value)} />
            </FormField>
            <FormField label="Work phone" description="E.164 (+14155550100): ring-all offers come by SMS." controlId="agent-phone">
              <Input controlId="agent-phone" value={phone} onChange={({ detail }) => setPhone(detail.value)} />
            </FormField>
            <FormField label="Work email" description="Notices; the login email when empty." controlId="agent-work-email">
              <Input controlId="agent-work-email" type="email" value={workEmail} onChange={({ detail }) => setWorkEmail(detail.value)} />
            </FormField>
          </ColumnLayout>
          <FormField
            label="Linked user"
            description="The user id (Cognito sub) who acts as this agent. Empty: linked the first time a user with the login email signs in as an agent."
            controlId="agent-user"
          >
            <Input controlId="agent-user" value={userId} onChange={({ detail }) => setUserId(detail.value)} />
          </FormField>
          <Toggle checked={available} onChange={({ detail }) => setAvailable(detail.checked)} description="Only available agents are given new cards.">
            Available
          </Toggle>
          <FormField label="Groups" controlId="agent-groups">
            <Multiselect
              controlId="agent-groups"
              placeholder="Choose groups"
              selectedOptions={options.filter((option) => memberOf.includes(option.value))}
              options={options}
              onChange={({ detail }) => setMemberOf(detail.selectedOptions.map((option) => option.value ?? '').filter(Boolean))}
              empty="No groups yet"
            />
          </FormField>
          <FormField
            label="Eligibility filters"
            description="The card fields this agent is restricted to: =north, in:north|south, 10..20 (as in an agents file). No filter: every card."
            errorText={problems.join(' ') || undefined}
          >
            <SpaceBetween size="xs">
              {rows.map((row, index) => (
                <SpaceBetween key={index} direction="horizontal" size="xs">
                  <Input ariaLabel={`Field of filter ${index + 1}`} placeholder="state" value={row.field} onChange={({ detail }) => setRows(rows.map((r, at) => (at === index ? { ...r, field: detail.value } : r)))} />
                  <Input ariaLabel={`Condition of filter ${index + 1}`} placeholder="in:CA|NY" value={row.condition} onChange={({ detail }) => setRows(rows.map((r, at) => (at === index ? { ...r, condition: detail.value } : r)))} />
                  <Button variant="icon" iconName="remove" ariaLabel={`Remove filter ${index + 1}`} onClick={() => setRows(rows.filter((_, at) => at !== index))} />
                </SpaceBetween>
              ))}
              <Button iconName="add-plus" onClick={() => setRows([...rows, { field: '', condition: '' }])}>
                Add filter
              </Button>
            </SpaceBetween>
          </FormField>
        </SpaceBetween>
      </Form>
    </Modal>
  );
}
