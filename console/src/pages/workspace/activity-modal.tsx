/** Recording work on one of my cards: what was done, the card's new work status, a note. */
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import Modal from '@cloudscape-design/components/modal';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Textarea from '@cloudscape-design/components/textarea';
import { useState } from 'react';

import type { WorkedCard } from '../../api/models';
import { leadName } from '../../common/leads';
import { useRecordActivity } from '../../hooks/workspace';

const TYPES = ['call', 'email', 'meeting', 'note'].map((value) => ({ value, label: value[0]?.toUpperCase() + value.slice(1) }));

export function ActivityModal({ card, onClose }: { card: WorkedCard; onClose: () => void }) {
  const record = useRecordActivity();
  const [type, setType] = useState(TYPES[0]?.value ?? 'call');
  const [status, setStatus] = useState(card.assignment.work_status ?? '');
  const [note, setNote] = useState('');
  const submit = () =>
    record.mutate(
      { cardId: card.id, body: { type, status: status.trim() || null, note: note.trim() || null } },
      { onSuccess: onClose },
    );
  return (
    <Modal
      visible
      onDismiss={onClose}
      header={`Record activity on ${leadName(card)}`}
      closeAriaLabel="Close dialog"
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button variant="primary" loading={record.isPending} onClick={submit}>
              Record
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <Form>
        <SpaceBetween size="m">
          <FormField label="Activity" controlId="activity-type">
            <Select
              controlId="activity-type"
              selectedOption={TYPES.find((option) => option.value === type) ?? null}
              options={TYPES}
              onChange={({ detail }) => setType(detail.selectedOption.value ?? 'call')}
            />
          </FormField>
          <FormField label="Work status" description="The card's status from now on (leave as it is to keep it)." controlId="activity-status">
            <Input controlId="activity-status" value={status} onChange={({ detail }) => setStatus(detail.value)} />
          </FormField>
          <FormField label="Note" controlId="activity-note">
            <Textarea controlId="activity-note" value={note} onChange={({ detail }) => setNote(detail.value)} />
          </FormField>
        </SpaceBetween>
      </Form>
    </Modal>
  );
}
