/**
 * One process: its definition (editable while a draft), its templates with the live preview, and
 * publishing (admin). Senders see it read-only, with a way to start a batch when it is live.
 */
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { useState } from 'react';
import { useParams } from 'react-router';

import type { Process, ProcessInput } from '../../api/models';
import { ConfirmModal } from '../../common/confirm';
import { formatTime, personLabel } from '../../common/labels';
import { useFollow } from '../../common/links';
import { canManageProcesses } from '../../common/permissions';
import { useIdentity } from '../../common/session';
import { usePageTitle } from '../../common/shell';
import { tableLabels } from '../../common/strings';
import { usePublishProcess, useProcess, useUpdateProcess } from '../../hooks/processes';
import { channelsOf } from '../processes/processes-page';
import { FIELD_TYPES, ProcessForm } from './process-form';
import { TemplatesEditor } from './templates-editor';

/** The editable part of a process (the API refuses unknown keys such as its id or state). */
export function inputOf(process: Process): ProcessInput {
  return {
    name: process.name,
    fields: process.fields,
    link_base_url: process.link_base_url,
    templates: process.templates,
    channel_order: process.channel_order,
    approval_required: process.approval_required,
    four_eyes: process.four_eyes,
    assignment: process.assignment,
  };
}

const policy = (value: boolean | null | undefined) => (value === true ? 'Yes' : value === false ? 'No' : "The organisation's setting");

function Definition({ process }: { process: Process }) {
  return (
    <SpaceBetween size="l">
      <Container header={<Header variant="h2">Process</Header>}>
        <KeyValuePairs
          columns={3}
          items={[
            { label: 'Link base URL', value: process.link_base_url },
            { label: 'Channels', value: channelsOf(process) },
            { label: 'Channel order', value: process.channel_order.replace('_', ' ') },
            { label: 'Approval required', value: policy(process.approval_required) },
            { label: 'Four-eyes approval', value: policy(process.four_eyes) },
            { label: 'Created', value: `${formatTime(process.created_at)} by ${personLabel(process.created_by, process.created_by_email)}` },
          ]}
        />
      </Container>
      <Table
        variant="container"
        ariaLabels={tableLabels('Fields')}
        header={<Header counter={`(${process.fields.length})`}>Fields</Header>}
        items={process.fields}
        trackBy="name"
        columnDefinitions={[
          { id: 'name', header: 'Column', cell: (field) => field.name, isRowHeader: true },
          { id: 'label', header: 'Label', cell: (field) => field.label ?? '-' },
          { id: 'type', header: 'Type', cell: (field) => FIELD_TYPES.find((type) => type.value === field.type)?.label ?? field.type },
          { id: 'required', header: 'Required', cell: (field) => (field.required ? 'Required' : 'Optional') },
        ]}
      />
    </SpaceBetween>
  );
}

export default function ProcessPage() {
  const { processId = '' } = useParams();
  const who = useIdentity();
  const follow = useFollow();
  const query = useProcess(processId);
  const process = query.data;
  const [editing, setEditing] = useState(false);
  const [publishing, setPublishing] = useState(false);
  const update = useUpdateProcess();
  const publish = usePublishProcess();
  usePageTitle([
    { text: 'Processes', href: '/processes' },
    { text: process?.name ?? processId, href: `/processes/${processId}` },
  ]);
  if (!process) {
    return query.isPending ? <Spinner size="large" /> : <Box>The process could not be loaded.</Box>;
  }
  const admin = canManageProcesses(who);
  const draft = process.state === 'draft';
  if (editing) {
    return (
      <ProcessForm
        initial={inputOf(process)}
        title={`Edit "${process.name}"`}
        submitLabel="Save"
        busy={update.isPending}
        error={update.error}
        onSubmit={(body) => update.mutate({ processId, body }, { onSuccess: () => setEditing(false) })}
        cancel={
          <Button variant="link" onClick={() => setEditing(false)}>
            Cancel
          </Button>
        }
      />
    );
  }
  const channels = Boolean(process.templates?.email || process.templates?.sms);
  return (
    <SpaceBetween size="l">
      <Header
        variant="h1"
        description={draft ? 'Draft: batches can be created once it is published.' : 'Live: senders can create batches for it.'}
        info={draft ? <StatusIndicator type="stopped">Draft</StatusIndicator> : <StatusIndicator type="success">Live</StatusIndicator>}
        actions={
          <SpaceBetween direction="horizontal" size="xs">
            {admin && draft && (
              <Button onClick={() => setEditing(true)} disabled={!draft}>
                Edit
              </Button>
            )}
            {admin && draft && (
              <Button
                variant="primary"
                disabled={!channels}
                disabledReason="A process needs an email or SMS template before it can go live."
                onClick={() => setPublishing(true)}
              >
                Publish
              </Button>
            )}
            {!draft && (
              <Button variant="primary" href={`/batches/new?process=${process.id}`} onFollow={follow}>
                New batch
              </Button>
            )}
          </SpaceBetween>
        }
      >
        {process.name}
      </Header>
      <Definition process={process} />
      {admin ? (
        <TemplatesEditor key={JSON.stringify(process.templates)} process={process} />
      ) : (
        <Container header={<Header variant="h2">Templates</Header>}>
          <pre className="message-text">{JSON.stringify(process.templates ?? {}, null, 2)}</pre>
        </Container>
      )}
      {publishing && (
      <ConfirmModal
        visible
        title={`Publish "${process.name}"?`}
        confirmLabel="Publish"
        busy={publish.isPending}
        onCancel={() => setPublishing(false)}
        onConfirm={() => publish.mutate(process.id, { onSuccess: () => setPublishing(false) })}
      >
        Once live, senders can create batches for it and its fields can no longer change; its templates still can (approved batches then go back
        to approval).
      </ConfirmModal>
      )}
    </SpaceBetween>
  );
}
