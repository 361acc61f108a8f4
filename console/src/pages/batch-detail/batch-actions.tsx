/**
 * Every action on a batch that the signed-in user's role and the batch's state allow (PRODUCT §4):
 * approve and reject (approvers), send remaining, retry failed, resume, complete, archive, rename,
 * clone, export and the row-error CSV. An action that may not be taken is shown disabled with the
 * reason; every action that changes or removes something asks first and says what will happen.
 */
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ButtonDropdown, { type ButtonDropdownProps } from '@cloudscape-design/components/button-dropdown';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import RadioGroup from '@cloudscape-design/components/radio-group';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Textarea from '@cloudscape-design/components/textarea';
import { useState, type ReactNode } from 'react';
import { useNavigate } from 'react-router';

import type { Batch, CloneRecipients, ExportFormat } from '../../api/models';
import type { Identity } from '../../auth/identity';
import { ConfirmModal } from '../../common/confirm';
import { plural } from '../../common/labels';
import { useNotifications } from '../../common/notifications';
import { batchPermission, unsentCards, type ApprovalPolicy, type BatchAction } from '../../common/permissions';
import { LABELS } from '../../common/strings';
import {
  useApproveBatch,
  useArchiveBatch,
  useCloneBatch,
  useCompleteBatch,
  useErrorReport,
  useRejectBatch,
  useRenameBatch,
  useResumeBatch,
  useRetryFailed,
  useSendRemaining,
} from '../../hooks/batches';
import { ExportModal } from './export-modal';

type Dialog = BatchAction | 'exportCsv' | 'exportXlsx' | null;

const CLONE_OPTIONS: { value: CloneRecipients; label: string; description: string }[] = [
  { value: 'all', label: 'All recipients', description: 'Every row of this batch.' },
  { value: 'not_reached', label: 'Recipients not reached', description: 'Failed, bounced, unconfirmed or never sent.' },
  { value: 'not_accessed', label: 'Recipients who did not open their card', description: 'Everyone whose link was never opened.' },
];

/** What a confirmation says will happen, in words and numbers (unit-tested). */
export function consequence(action: BatchAction, batch: Batch): string {
  const ready = batch.counters.by_status['ready'] ?? 0;
  const unsent = unsentCards(batch);
  switch (action) {
    case 'approve':
      return batch.auto_distribute
        ? `${plural(ready, 'card')} will be sent now.`
        : `The batch will be approved; its ${plural(ready, 'card')} wait to be sent (auto distribution is off).`;
    case 'reject':
      return batch.status === 'pending_approval'
        ? `Nothing will be sent: the ${plural(unsent, 'card')} of this batch will be rejected.`
        : `Cards already sent stay sent; ${plural(unsent, 'unsent card')} will be rejected and sending stops.`;
    case 'sendRemaining':
      return `${plural(ready, 'ready card')} will be sent now.`;
    case 'retryFailed':
      return `${plural(batch.counters.failed, 'failed card')}: those that failed with a temporary error (throttling, an outage) will be sent again. Refused cards stay failed.`;
    case 'resume':
      return 'Sending continues where it stopped. Cards already sent are not sent again.';
    case 'complete':
      return unsent
        ? `${plural(unsent, 'unsent card')} will be removed. The batch is kept for reference.`
        : 'The batch will be closed and kept for reference. No card is waiting to be sent.';
    case 'archive':
      return unsent
        ? `${plural(unsent, 'unsent card')} will be removed, and the batch leaves the default list.`
        : 'The batch leaves the default list (filter by Archived to see it again).';
    default:
      return '';
  }
}

export function BatchActions({ batch, who, policy }: { batch: Batch; who: Identity; policy: ApprovalPolicy }) {
  const navigate = useNavigate();
  const { notify } = useNotifications();
  const [dialog, setDialog] = useState<Dialog>(null);
  const [reason, setReason] = useState('');
  const [name, setName] = useState(batch.name);
  const [cloneOf, setCloneOf] = useState<CloneRecipients>('all');
  const approve = useApproveBatch();
  const reject = useRejectBatch();
  const sendRemaining = useSendRemaining();
  const retryFailed = useRetryFailed();
  const resume = useResumeBatch();
  const complete = useCompleteBatch();
  const archive = useArchiveBatch();
  const rename = useRenameBatch();
  const clone = useCloneBatch();
  const errorReport = useErrorReport();
  const allowed = (action: BatchAction) => batchPermission(action, batch, who, policy);
  const close = () => setDialog(null);
  const run = (mutation: { mutate: (variables: { batchId: string; variables: void }, options: { onSuccess: () => void }) => void }) =>
    mutation.mutate({ batchId: batch.id, variables: undefined }, { onSuccess: close });

  const item = (id: BatchAction, text: string): ButtonDropdownProps.Item => {
    const permission = allowed(id);
    return { id, text, disabled: !permission.allowed, disabledReason: permission.reason };
  };
  const exportable = allowed('export');
  const items: ButtonDropdownProps.ItemOrGroup[] = [
    {
      text: 'Sending',
      items: [item('sendRemaining', 'Send remaining'), item('retryFailed', 'Retry failed'), item('resume', 'Resume')],
    },
    { text: 'Batch', items: [item('rename', 'Rename'), item('clone', 'Clone'), item('complete', 'Complete'), item('archive', 'Archive')] },
    {
      text: 'Downloads',
      items: [
        { id: 'exportCsv', text: 'Export CSV', disabled: !exportable.allowed, disabledReason: exportable.reason },
        { id: 'exportXlsx', text: 'Export Excel', disabled: !exportable.allowed, disabledReason: exportable.reason },
        item('rowErrors', 'Row errors (CSV)'),
      ],
    },
  ];

  const onItem = (id: string) => {
    if (id === 'rowErrors') {
      errorReport.mutate(batch.id, { onSuccess: (report) => window.location.assign(report.url) });
      return;
    }
    setReason('');
    setName(batch.name);
    setDialog(id as Dialog);
  };

  const approveAllowed = allowed('approve');
  const rejectAllowed = allowed('reject');
  const confirm = (action: BatchAction, title: string, label: string, mutation: Parameters<typeof run>[0] & { isPending: boolean }): ReactNode =>
    dialog === action && (
      <ConfirmModal visible title={title} confirmLabel={label} busy={mutation.isPending} onCancel={close} onConfirm={() => run(mutation)}>
        {consequence(action, batch)}
      </ConfirmModal>
    );

  return (
    <>
      <SpaceBetween direction="horizontal" size="xs">
        {(approveAllowed.allowed || rejectAllowed.allowed || batch.status === 'pending_approval') && (
          <>
            <Button disabled={!rejectAllowed.allowed} disabledReason={rejectAllowed.reason} onClick={() => onItem('reject')}>
              Reject
            </Button>
            <Button variant="primary" disabled={!approveAllowed.allowed} disabledReason={approveAllowed.reason} onClick={() => onItem('approve')}>
              Approve
            </Button>
          </>
        )}
        <ButtonDropdown items={items} onItemClick={({ detail }) => onItem(detail.id)} ariaLabel={LABELS.batch.actions}>
          Actions
        </ButtonDropdown>
      </SpaceBetween>

      {confirm('approve', `Approve "${batch.name}"?`, 'Approve', approve)}
      {dialog === 'reject' && (
      <ConfirmModal
        visible
        title={`Reject "${batch.name}"?`}
        confirmLabel="Reject"
        busy={reject.isPending}
        confirmDisabled={!reason.trim()}
        onCancel={close}
        onConfirm={() => reject.mutate({ batchId: batch.id, variables: { reason: reason.trim() } }, { onSuccess: close })}
      >
        <SpaceBetween size="m">
          <Box>{consequence('reject', batch)}</Box>
          <FormField label="Reason" description="The sender sees it on the batch." controlId="reject-reason">
            <Textarea controlId="reject-reason" value={reason} onChange={({ detail }) => setReason(detail.value)} placeholder="Why is this batch rejected?" />
          </FormField>
        </SpaceBetween>
      </ConfirmModal>
      )}
      {confirm('sendRemaining', 'Send the remaining cards?', 'Send', sendRemaining)}
      {confirm('retryFailed', 'Retry the failed cards?', 'Retry', retryFailed)}
      {confirm('resume', `Resume "${batch.name}"?`, 'Resume', resume)}
      {confirm('complete', `Complete "${batch.name}"?`, 'Complete', complete)}
      {confirm('archive', `Archive "${batch.name}"?`, 'Archive', archive)}
      {dialog === 'rename' && (
      <ConfirmModal
        visible
        title="Rename the batch"
        confirmLabel="Rename"
        busy={rename.isPending}
        confirmDisabled={!name.trim() || name.trim() === batch.name}
        onCancel={close}
        onConfirm={() => rename.mutate({ batchId: batch.id, variables: { name: name.trim() } }, { onSuccess: close })}
      >
        <FormField label="Name" controlId="rename-batch">
          <Input controlId="rename-batch" value={name} onChange={({ detail }) => setName(detail.value)} />
        </FormField>
      </ConfirmModal>
      )}
      {dialog === 'clone' && (
      <ConfirmModal
        visible
        title={`Clone "${batch.name}"`}
        confirmLabel="Clone"
        busy={clone.isPending}
        onCancel={close}
        onConfirm={() =>
          clone.mutate(
            { batchId: batch.id, variables: { recipients: cloneOf } },
            {
              onSuccess: (created) => {
                close();
                void navigate(`/batches/${created.id}`);
              },
            },
          )
        }
      >
        <SpaceBetween size="m">
          <Box>A new batch with the same process and settings; its recipients are copied in the background, then it is validated and waits for approval like any batch.</Box>
          <FormField label="Recipients">
            <RadioGroup value={cloneOf} items={CLONE_OPTIONS} onChange={({ detail }) => setCloneOf(detail.value as CloneRecipients)} ariaLabel="Recipients of the clone" />
          </FormField>
        </SpaceBetween>
      </ConfirmModal>
      )}
      {(dialog === 'exportCsv' || dialog === 'exportXlsx') && (
        <ExportModal batch={batch} format={(dialog === 'exportCsv' ? 'csv' : 'xlsx') as ExportFormat} onClose={close} onError={(message) => notify({ type: 'error', content: message })} />
      )}
    </>
  );
}
