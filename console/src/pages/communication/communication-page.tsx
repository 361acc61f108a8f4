/**
 * A batch communication (PRODUCT §8): open → generate → generated, then send (through approval
 * where it applies); its letters bundle — built on request, downloaded behind an expiring link that
 * can be asked for again without rebuilding, and marked printed (the letters then count as sent);
 * and, like any batch, complete, archive and clone. Refreshes itself while it moves.
 */
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useState } from 'react';
import { useNavigate, useParams } from 'react-router';

import type { Batch, BatchStatus } from '../../api/models';
import { ConfirmModal } from '../../common/confirm';
import { BATCH_STATUS, formatTime, isMoving, plural } from '../../common/labels';
import { RouterLink } from '../../common/links';
import { batchPermission, unsentCards } from '../../common/permissions';
import { useIdentity } from '../../common/session';
import { usePageTitle } from '../../common/shell';
import { useArchiveBatch, useBatch, useCloneBatch, useCompleteBatch } from '../../hooks/batches';
import { useGenerateCommunication, useLetters, useLettersPrinted, useRequestLetters, useSendCommunication } from '../../hooks/contacts';
import { linkExpired } from './letters';

const LETTERABLE: readonly BatchStatus[] = ['generated', 'pending_approval', 'approved', 'sending', 'sent', 'partially_sent', 'complete', 'archived'];
const PRINTABLE: readonly BatchStatus[] = ['approved', 'sending', 'sent', 'partially_sent'];

type Dialog = 'generate' | 'send' | 'printed' | 'complete' | 'archive' | 'clone' | null;

function LettersBundle({ batch }: { batch: Batch }) {
  const letterable = LETTERABLE.includes(batch.status);
  const letters = useLetters(batch.id, letterable);
  const request = useRequestLetters();
  const printed = useLettersPrinted();
  const [confirming, setConfirming] = useState(false);
  const bundle = letters.data ?? null;
  const expired = bundle ? linkExpired(bundle) : false;
  const printable = PRINTABLE.includes(batch.status);
  return (
    <Container header={<Header variant="h2" description="One printable PDF of every letter of the batch.">Letters</Header>}>
      {!letterable ? (
        <Box color="text-body-secondary">Letters exist once the communication is generated.</Box>
      ) : (
        <SpaceBetween size="m">
          {bundle === null ? (
            <Box>No bundle yet for the batch as it is now.</Box>
          ) : (
            <KeyValuePairs
              columns={4}
              items={[
                {
                  label: 'Bundle',
                  value: (
                    <span role="status" aria-label="Letters bundle">
                      {bundle.status === 'building' ? (
                        <StatusIndicator type="in-progress">Building</StatusIndicator>
                      ) : bundle.status === 'failed' ? (
                        <StatusIndicator type="error">Failed: {bundle.error ?? 'unknown error'}</StatusIndicator>
                      ) : (
                        <StatusIndicator type="success">Ready</StatusIndicator>
                      )}
                    </span>
                  ),
                },
                { label: 'Letters', value: bundle.letters === null ? '-' : `${bundle.letters} (${bundle.pages ?? 0} pages)` },
                { label: 'Link expires', value: bundle.expires_at ? `${formatTime(bundle.expires_at)}${expired ? ' (expired)' : ''}` : '-' },
                { label: 'Printed', value: bundle.printed_at ? formatTime(bundle.printed_at) : 'Not yet' },
              ]}
            />
          )}
          <SpaceBetween direction="horizontal" size="xs">
            {bundle?.status === 'ready' && bundle.url && !expired && (
              <Button iconName="download" href={bundle.url} target="_blank" ariaLabel="Download the letters (PDF)">
                Download letters (PDF)
              </Button>
            )}
            <Button onClick={() => request.mutate(batch.id)} loading={request.isPending || bundle?.status === 'building'}>
              {bundle === null || bundle.status === 'failed' ? 'Prepare letters' : expired ? 'Get a new link' : 'Refresh the link'}
            </Button>
            <Button
              onClick={() => setConfirming(true)}
              disabled={!printable || bundle?.status !== 'ready' || Boolean(bundle.printed_at)}
              disabledReason={
                !printable ? 'Letters are marked printed only once the batch is approved.' : bundle?.printed_at ? 'Already marked printed.' : 'Prepare the letters first.'
              }
            >
              Mark printed
            </Button>
          </SpaceBetween>
        </SpaceBetween>
      )}
      {confirming && (
        <ConfirmModal
          visible
          title="Mark the letters printed?"
          confirmLabel="Mark printed"
          busy={printed.isPending}
          onCancel={() => setConfirming(false)}
          onConfirm={() => printed.mutate(batch.id, { onSuccess: () => setConfirming(false) })}
        >
          {plural(bundle?.letters ?? 0, 'letter')} will count as sent. This cannot be undone.
        </ConfirmModal>
      )}
    </Container>
  );
}

export default function CommunicationPage() {
  const { batchId = '' } = useParams();
  const who = useIdentity();
  const navigate = useNavigate();
  const query = useBatch(batchId, { watch: (batch) => isMoving(batch) || batch.status === 'open' });
  const batch = query.data;
  const generate = useGenerateCommunication();
  const send = useSendCommunication();
  const complete = useCompleteBatch();
  const archive = useArchiveBatch();
  const clone = useCloneBatch();
  const [dialog, setDialog] = useState<Dialog>(null);
  usePageTitle([
    { text: 'Contacts', href: '/contacts' },
    { text: batch?.name ?? batchId, href: `/communications/${batchId}` },
  ]);
  if (!batch) return query.isPending ? <Spinner size="large" /> : <Box>The communication could not be loaded.</Box>;
  const close = () => setDialog(null);
  const matched = batch.communication?.matched ?? 0;
  const unsent = unsentCards(batch);
  const completing = batchPermission('complete', batch, who);
  const archiving = batchPermission('archive', batch, who);
  const cloning = batchPermission('clone', batch, who);
  return (
    <SpaceBetween size="l">
      <Header
        variant="h1"
        description={
          <>
            <span role="status" aria-label="Communication status">
              <StatusIndicator type={BATCH_STATUS[batch.status].type}>{BATCH_STATUS[batch.status].label}</StatusIndicator>
            </span>
            {` · ${batch.process_name} · ${batch.sent_label}`}
          </>
        }
        actions={
          <SpaceBetween direction="horizontal" size="xs">
            <Button onClick={() => setDialog('generate')} disabled={batch.status !== 'open'} disabledReason="Only an open communication is generated.">
              Generate
            </Button>
            <Button variant="primary" onClick={() => setDialog('send')} disabled={batch.status !== 'generated'} disabledReason="Only a generated communication is sent.">
              Send
            </Button>
            <Button onClick={() => setDialog('complete')} disabled={!completing.allowed} disabledReason={completing.reason}>
              Complete
            </Button>
            <Button onClick={() => setDialog('archive')} disabled={!archiving.allowed} disabledReason={archiving.reason}>
              Archive
            </Button>
            <Button onClick={() => setDialog('clone')} disabled={!cloning.allowed} disabledReason={cloning.reason}>
              Clone
            </Button>
          </SpaceBetween>
        }
      >
        {batch.name}
      </Header>
      {batch.status_reason && <Box color="text-status-error">{batch.status_reason}</Box>}
      <Container header={<Header variant="h2">Communication</Header>}>
        <KeyValuePairs
          columns={3}
          items={[
            { label: 'Contacts matched', value: String(matched) },
            { label: 'Channels', value: batch.communication?.channels.join(', ') || '-' },
            { label: 'Template set', value: batch.template ?? 'Default' },
            { label: 'Due date', value: batch.due_date ?? '-' },
            { label: 'Cards', value: String(batch.counters.cards) },
            { label: 'Cards and approval', value: <RouterLink href={`/batches/${batch.id}`}>Open the batch</RouterLink> },
          ]}
        />
      </Container>
      {batch.communication?.channels.includes('letter') && <LettersBundle batch={batch} />}
      {dialog === 'generate' && (
        <ConfirmModal visible title={`Generate "${batch.name}"?`} confirmLabel="Generate" busy={generate.isPending} onCancel={close} onConfirm={() => generate.mutate(batch.id, { onSuccess: close })}>
          The contacts the filter matches now (the count was {matched}) become cards and letters. Nothing is sent yet.
        </ConfirmModal>
      )}
      {dialog === 'send' && (
        <ConfirmModal visible title={`Send "${batch.name}"?`} confirmLabel="Send" busy={send.isPending} onCancel={close} onConfirm={() => send.mutate(batch.id, { onSuccess: close })}>
          {plural(batch.counters.cards, 'card')} go to approval where the process requires it, then are sent. Letters are sent by marking their bundle printed.
        </ConfirmModal>
      )}
      {dialog === 'complete' && (
        <ConfirmModal visible title={`Complete "${batch.name}"?`} confirmLabel="Complete" busy={complete.isPending} onCancel={close} onConfirm={() => complete.mutate({ batchId: batch.id, variables: undefined }, { onSuccess: close })}>
          {unsent ? `${plural(unsent, 'unsent card')} will be removed. ` : ''}The communication is closed and kept for reference.
        </ConfirmModal>
      )}
      {dialog === 'archive' && (
        <ConfirmModal visible title={`Archive "${batch.name}"?`} confirmLabel="Archive" busy={archive.isPending} onCancel={close} onConfirm={() => archive.mutate({ batchId: batch.id, variables: undefined }, { onSuccess: close })}>
          {unsent ? `${plural(unsent, 'unsent card')} will be removed, and it` : 'It'} leaves the default batches list; it is kept for reference and can be cloned.
        </ConfirmModal>
      )}
      {dialog === 'clone' && (
        <ConfirmModal
          visible
          title={`Clone "${batch.name}"?`}
          confirmLabel="Clone"
          busy={clone.isPending}
          onCancel={close}
          onConfirm={() =>
            clone.mutate(
              { batchId: batch.id, variables: { recipients: 'all' } },
              {
                onSuccess: (created) => {
                  close();
                  void navigate(`/communications/${created.id}`);
                },
              },
            )
          }
        >
          A new communication to the same contacts, with the same template, due date and channels.
        </ConfirmModal>
      )}
    </SpaceBetween>
  );
}
