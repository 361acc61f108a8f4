/**
 * Batch detail (PRODUCT §4, §11): status with its reason, counters and the per-status histogram,
 * the dry run before approval, the rejected rows, the cards, and every action the signed-in user's
 * role and the batch's state allow. Refreshes itself while the batch is moving.
 */
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useParams } from 'react-router';

import type { Batch } from '../../api/models';
import { BATCH_STATUS, isMoving } from '../../common/labels';
import { batchPermission, type ApprovalPolicy } from '../../common/permissions';
import { RouterLink } from '../../common/links';
import { RowErrors } from '../../common/row-errors';
import { useIdentity } from '../../common/session';
import { usePageTitle } from '../../common/shell';
import { useBatch } from '../../hooks/batches';
import { useOrganisation } from '../../hooks/organisation';
import { useProcess } from '../../hooks/processes';
import { BatchActions } from './batch-actions';
import { BatchSummary, StatusReason } from './batch-summary';
import { CardsTable } from './cards-table';
import { DryRun } from './dry-run';

const BEFORE_SENDING: readonly Batch['status'][] = ['generating', 'pending_approval', 'approved'];

/** Four-eyes: the process's own setting when it has one, else the organisation's. */
export function approvalPolicy(processFourEyes: boolean | null | undefined, organisationFourEyes: boolean | undefined): ApprovalPolicy {
  return { fourEyes: processFourEyes ?? organisationFourEyes ?? false };
}

export default function BatchDetailPage() {
  const { batchId = '' } = useParams();
  const who = useIdentity();
  const query = useBatch(batchId);
  const batch = query.data;
  const process = useProcess(batch?.process_id);
  const organisation = useOrganisation();
  usePageTitle([
    { text: 'Batches', href: '/batches' },
    { text: batch?.name ?? batchId, href: `/batches/${batchId}` },
  ]);
  if (!batch) {
    return query.isPending ? <Spinner size="large" /> : <Box>The batch could not be loaded.</Box>;
  }
  const policy = approvalPolicy(process.data?.four_eyes, organisation.data?.four_eyes);
  const approve = batchPermission('approve', batch, who, policy);
  const showDryRun = BEFORE_SENDING.includes(batch.status) && batch.counters.cards > 0;
  return (
    <SpaceBetween size="l">
      <Header
        variant="h1"
        description={
          <>
            <span role="status" aria-label="Batch status">
              <StatusIndicator type={BATCH_STATUS[batch.status].type}>{BATCH_STATUS[batch.status].label}</StatusIndicator>
            </span>
            {` · ${batch.process_name} · ${batch.sent_label}`}
          </>
        }
        actions={<BatchActions batch={batch} who={who} policy={policy} />}
      >
        {batch.name}
      </Header>
      <StatusReason batch={batch} />
      {batch.kind === 'communication' && (
        <Alert type="info" header="A batch communication">
          Generate, send and its letters are on <RouterLink href={`/communications/${batch.id}`}>its communication page</RouterLink>.
        </Alert>
      )}
      {batch.status === 'pending_approval' && !approve.allowed && approve.reason?.startsWith('Four-eyes') && (
        <Alert type="info" header="Four-eyes approval">
          {approve.reason}
        </Alert>
      )}
      <BatchSummary batch={batch} />
      {showDryRun && <DryRun batchId={batch.id} />}
      {batch.counters.rejected > 0 && <RowErrors batchId={batch.id} rejected={batch.counters.rejected} />}
      <CardsTable batchId={batch.id} moving={isMoving(batch)} total={batch.counters.cards} />
    </SpaceBetween>
  );
}
