/**
 * After the upload: the batch's validation as it happens (uploading → validating → generating →
 * pending approval), then the outcome — the file's rejection reason, or the counts and the rows
 * that were rejected.
 */
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';

import type { Batch } from '../../api/models';
import { BATCH_STATUS, plural } from '../../common/labels';
import { useFollow } from '../../common/links';
import { RowErrors } from '../../common/row-errors';
import { LABELS } from '../../common/strings';
import { useBatch } from '../../hooks/batches';

const IN_VALIDATION: readonly Batch['status'][] = ['uploading', 'validating', 'generating'];

export function ValidationOutcome({ batchId, fileName, onAnother }: { batchId: string; fileName: string; onAnother: () => void }) {
  const follow = useFollow();
  const batch = useBatch(batchId, { watch: (current) => IN_VALIDATION.includes(current.status) });
  const current = batch.data;
  const validating = !current || IN_VALIDATION.includes(current.status);
  const words = current ? BATCH_STATUS[current.status] : null;
  return (
    <SpaceBetween size="l">
      <Header
        variant="h1"
        actions={
          <SpaceBetween direction="horizontal" size="xs">
            <Button onClick={onAnother}>Upload another file</Button>
            <Button variant="primary" href={`/batches/${batchId}`} onFollow={follow}>
              Open the batch
            </Button>
          </SpaceBetween>
        }
      >
        {current ? current.name : 'New batch'}
      </Header>
      <Container header={<Header variant="h2">Validation</Header>}>
        <SpaceBetween size="m">
          <ProgressBar value={100} label={LABELS.newBatch.progress} description={`${fileName} uploaded`} ariaLabel={LABELS.newBatch.progress} />
          <Box>
            <span role="status" aria-live="polite">
              {words && current ? (
                <StatusIndicator type={validating ? 'in-progress' : words.type}>
                  {validating ? `${words.label}…` : words.label}
                </StatusIndicator>
              ) : (
                <StatusIndicator type="loading">Uploaded; waiting for validation…</StatusIndicator>
              )}
            </span>
          </Box>
          {current?.status === 'invalid' && (
            <Alert type="error" header="The file was rejected">
              {current.status_reason ?? 'No row of the file could be accepted.'}
            </Alert>
          )}
          {current?.status === 'failed' && (
            <Alert type="error" header="The batch failed">
              {current.status_reason ?? 'A system fault stopped it.'}
            </Alert>
          )}
          {current && !validating && current.status !== 'invalid' && current.status !== 'failed' && (
            <Alert type="success" header="The file was accepted">
              {plural(current.counters.accepted, 'row')} accepted
              {current.counters.rejected ? `, ${plural(current.counters.rejected, 'row')} rejected` : ''}; {plural(current.counters.cards, 'card')}{' '}
              {current.status === 'pending_approval' ? 'waiting for approval.' : 'generated.'}
            </Alert>
          )}
          {current?.auto_distribute_reason && (
            <Alert type="warning" header="Auto distribution is off">
              {current.auto_distribute_reason}
            </Alert>
          )}
          {current && (
            <KeyValuePairs
              columns={4}
              items={[
                { label: 'Rows', value: current.counters.rows.toLocaleString() },
                { label: 'Accepted', value: current.counters.accepted.toLocaleString() },
                { label: 'Rejected', value: current.counters.rejected.toLocaleString() },
                { label: 'Cards', value: current.counters.cards.toLocaleString() },
              ]}
            />
          )}
        </SpaceBetween>
      </Container>
      {current && !validating && current.counters.rejected > 0 && <RowErrors batchId={batchId} rejected={current.counters.rejected} />}
    </SpaceBetween>
  );
}
