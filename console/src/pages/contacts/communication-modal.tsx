/**
 * "Add to batch communication" (PRODUCT §8): the current filter becomes a batch of kind
 * `communication` — named, with its process, template set, due date and channels — created open
 * with the filter's exact count; its page generates, sends and bundles its letters.
 */
import Box from '@cloudscape-design/components/box';
import Checkbox from '@cloudscape-design/components/checkbox';
import DatePicker from '@cloudscape-design/components/date-picker';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import { useNavigate } from 'react-router';

import type { CommunicationChannel } from '../../api/models';
import { ConfirmModal } from '../../common/confirm';
import { plural } from '../../common/labels';
import { useCreateCommunication } from '../../hooks/contacts';
import { useProcesses } from '../../hooks/processes';
import type { Filter } from './filter-builder';

const CHANNELS: { value: CommunicationChannel; label: string }[] = [
  { value: 'email', label: 'Email' },
  { value: 'sms', label: 'SMS' },
  { value: 'letter', label: 'Letter' },
];

export function CommunicationModal({ filter, count, onClose }: { filter: Filter | null; count: number | undefined; onClose: () => void }) {
  const navigate = useNavigate();
  const processes = useProcesses();
  const create = useCreateCommunication();
  const live = (processes.data ?? []).filter((process) => process.state === 'live');
  const [name, setName] = useState('');
  const [processId, setProcessId] = useState('');
  const [template, setTemplate] = useState('');
  const [dueDate, setDueDate] = useState('');
  const [channels, setChannels] = useState<CommunicationChannel[]>([]);
  const process = live.find((item) => item.id === processId) ?? null;
  const sets = Object.keys(process?.template_sets ?? {});
  const submit = () =>
    create.mutate(
      {
        name: name.trim(),
        process_id: processId,
        filter,
        template: template || null,
        due_date: dueDate || null,
        channels: channels.length ? channels : null,
        auto_distribute: true,
      },
      {
        onSuccess: (batch) => {
          onClose();
          void navigate(`/communications/${batch.id}`);
        },
      },
    );
  return (
    <ConfirmModal
      visible
      title="Add to batch communication"
      confirmLabel="Create communication"
      busy={create.isPending}
      confirmDisabled={!name.trim() || !processId}
      onCancel={onClose}
      onConfirm={submit}
    >
      <SpaceBetween size="m">
        <Box>
          A batch communication of the {count === undefined ? '' : `${plural(count, 'contact')} `}this filter matches, created open: nothing is generated or
          sent until you say so on its page.
        </Box>
        <FormField label="Name" controlId="communication-name">
          <Input controlId="communication-name" value={name} onChange={({ detail }) => setName(detail.value)} />
        </FormField>
        <FormField label="Process" controlId="communication-process">
          <Select
            controlId="communication-process"
            selectedOption={process ? { value: process.id, label: process.name } : null}
            options={live.map((item) => ({ value: item.id, label: item.name }))}
            onChange={({ detail }) => {
              setProcessId(detail.selectedOption.value ?? '');
              setTemplate('');
            }}
            placeholder="Choose a process"
            statusType={processes.isPending ? 'loading' : 'finished'}
            loadingText="Loading processes"
            empty="No live process yet."
          />
        </FormField>
        <FormField label="Template set" controlId="communication-template">
          <Select
            controlId="communication-template"
            selectedOption={{ value: template, label: template || 'Default templates' }}
            options={[{ value: '', label: 'Default templates' }, ...sets.map((set) => ({ value: set, label: set }))]}
            onChange={({ detail }) => setTemplate(detail.selectedOption.value ?? '')}
            disabled={!process}
          />
        </FormField>
        <FormField label="Due date" controlId="communication-due" description="The templates' due_date.">
          <DatePicker
            controlId="communication-due"
            value={dueDate}
            onChange={({ detail }) => setDueDate(detail.value)}
            placeholder="YYYY/MM/DD"
            openCalendarAriaLabel={() => 'Choose the due date'}
          />
        </FormField>
        <FormField label="Channels" description="None ticked: the email and SMS the template set has.">
          <SpaceBetween direction="horizontal" size="m">
            {CHANNELS.map((channel) => (
              <Checkbox
                key={channel.value}
                checked={channels.includes(channel.value)}
                onChange={({ detail }) => setChannels(detail.checked ? [...channels, channel.value] : channels.filter((item) => item !== channel.value))}
              >
                {channel.label}
              </Checkbox>
            ))}
          </SpaceBetween>
        </FormField>
      </SpaceBetween>
    </ConfirmModal>
  );
}
