/** The batch's status with its reason, its counters and the exact per-status card histogram. */
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';

import type { Batch, CardStatus } from '../../api/models';
import { BATCH_STATUS, CARD_STATUS, CARD_STATUSES, formatTime, personLabel } from '../../common/labels';
import { RouterLink } from '../../common/links';
import { LABELS } from '../../common/strings';

const REASON_HEADER: Partial<Record<Batch['status'], { type: 'error' | 'warning' | 'info'; header: string }>> = {
  failed: { type: 'error', header: 'The batch failed' },
  invalid: { type: 'error', header: 'The file was rejected' },
  rejected: { type: 'warning', header: 'Rejected by an approver' },
  expired: { type: 'warning', header: 'Approval timed out' },
  partially_sent: { type: 'warning', header: 'Sending stopped before every card was sent' },
  pending_approval: { type: 'info', header: 'Back to approval' },
};

export function StatusReason({ batch }: { batch: Batch }) {
  const kind = REASON_HEADER[batch.status];
  if (!batch.status_reason || !kind) return null;
  return (
    <Alert type={kind.type} header={kind.header}>
      {batch.status_reason}
    </Alert>
  );
}

export function BatchSummary({ batch }: { batch: Batch }) {
  const { counters } = batch;
  const words = BATCH_STATUS[batch.status];
  const histogram = CARD_STATUSES.filter((status) => (counters.by_status[status] ?? 0) > 0);
  return (
    <SpaceBetween size="l">
      <Container header={<Header variant="h2">Summary</Header>}>
        <KeyValuePairs
          columns={4}
          items={[
            { label: 'Status', value: <StatusIndicator type={words.type}>{words.label}</StatusIndicator> },
            { label: 'Sent', value: batch.sent_label },
            { label: 'Process', value: <RouterLink href={`/processes/${batch.process_id}`}>{batch.process_name}</RouterLink> },
            { label: 'Sender', value: personLabel(batch.created_by, batch.created_by_email) },
            { label: 'Created at', value: formatTime(batch.created_at) },
            { label: 'File', value: batch.file_name },
            {
              label: 'Auto distribution',
              value: batch.auto_distribute ? 'On: sent when approved' : `Off${batch.auto_distribute_reason ? ` (${batch.auto_distribute_reason})` : ''}`,
            },
            {
              label: 'Approval',
              value: batch.approval.decided_by
                ? `${batch.status === 'rejected' ? 'Rejected' : 'Approved'} by ${personLabel(batch.approval.decided_by, batch.approval.decided_by_email)}, ${formatTime(batch.approval.decided_at)}`
                : '-',
            },
          ]}
        />
      </Container>
      <ColumnLayout columns={2}>
        <Container header={<Header variant="h2">Counters</Header>}>
          <KeyValuePairs
            columns={3}
            items={[
              { label: 'Rows', value: counters.rows.toLocaleString() },
              { label: 'Accepted', value: counters.accepted.toLocaleString() },
              { label: 'Rejected', value: counters.rejected.toLocaleString() },
              { label: 'Cards', value: counters.cards.toLocaleString() },
              { label: 'Sent', value: counters.sent.toLocaleString() },
              { label: 'Failed', value: counters.failed.toLocaleString() },
              { label: 'Delivered', value: counters.delivered.toLocaleString() },
              { label: 'Bounced', value: counters.bounced.toLocaleString() },
              { label: 'Accessed', value: counters.accessed.toLocaleString() },
            ]}
          />
        </Container>
        <Container header={<Header variant="h2" description="Every card is counted in exactly one status.">{LABELS.batch.histogram}</Header>}>
          {histogram.length ? (
            <KeyValuePairs
              columns={3}
              ariaLabel={LABELS.batch.histogram}
              items={histogram.map((status: CardStatus) => ({
                label: CARD_STATUS[status].label,
                value: <StatusIndicator type={CARD_STATUS[status].type}>{(counters.by_status[status] ?? 0).toLocaleString()}</StatusIndicator>,
              }))}
            />
          ) : (
            <Box color="text-body-secondary">No cards yet.</Box>
          )}
        </Container>
      </ColumnLayout>
    </SpaceBetween>
  );
}
