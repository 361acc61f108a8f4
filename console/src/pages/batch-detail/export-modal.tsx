/**
 * Export (PRODUCT §4 "Download"): the batch as CSV or Excel — its original columns plus status,
 * channel, sent_at, error and accessed_at. Asked for once; written in the background when it is
 * not ready; downloaded from a fresh, expiring link.
 */
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useEffect, useState } from 'react';

import { messageOf } from '../../api/errors';
import type { Batch, ExportFormat, ExportView } from '../../api/models';
import { useExport, useRequestExport } from '../../hooks/batches';

const FORMAT_NAME: Record<ExportFormat, string> = { csv: 'CSV', xlsx: 'Excel' };

export function ExportModal({
  batch,
  format,
  onClose,
  onError,
}: {
  batch: Batch;
  format: ExportFormat;
  onClose: () => void;
  onError: (message: string) => void;
}) {
  const request = useRequestExport();
  const [requested, setRequested] = useState<ExportView | null>(null);
  const polled = useExport(batch.id, requested?.status === 'running' ? requested.id : null);
  const current = polled.data ?? requested;

  useEffect(() => {
    request.mutate(
      { batchId: batch.id, format },
      {
        onSuccess: setRequested,
        onError: (error) => {
          onError(messageOf(error));
          onClose();
        },
      },
    );
    // One request per opening of the dialog: the mutation object changes identity every render.
  }, [batch.id, format]);

  const name = FORMAT_NAME[format];
  return (
    <Modal
      visible
      onDismiss={onClose}
      header={`Export "${batch.name}" (${name})`}
      closeAriaLabel="Close dialog"
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Close
            </Button>
            <Button variant="primary" iconName="download" href={current?.status === 'ready' ? (current.url ?? undefined) : undefined} disabled={current?.status !== 'ready'} download>
              {`Download ${name}`}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="s">
        <Box>The file has the batch's original columns, then status, channel, sent_at, error and accessed_at.</Box>
        <span role="status" aria-live="polite">
          {!current && <StatusIndicator type="loading">Asking for the export…</StatusIndicator>}
          {current?.status === 'running' && <StatusIndicator type="in-progress">Writing the file…</StatusIndicator>}
          {current?.status === 'ready' && (
            <StatusIndicator type="success">{`Ready: ${current.rows?.toLocaleString() ?? 'all'} rows. The link expires; export again for a fresh one.`}</StatusIndicator>
          )}
          {current?.status === 'failed' && <StatusIndicator type="error">{current.error ?? 'The export failed; try again.'}</StatusIndicator>}
        </span>
      </SpaceBetween>
    </Modal>
  );
}
