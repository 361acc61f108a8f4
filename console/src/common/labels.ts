/**
 * Statuses in words (never colour alone): each has a label and a StatusIndicator type. `rejected`
 * is "Admin Rejection", as operators know it from the Bulk Sender article (PRODUCT §4, §11).
 */
import type { StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';

import type { Batch, BatchStatus, CardStatus } from '../api/models';

interface StatusWords {
  label: string;
  type: StatusIndicatorProps.Type;
}

export const BATCH_STATUS: Record<BatchStatus, StatusWords> = {
  open: { label: 'Open', type: 'pending' },
  uploading: { label: 'Waiting for file', type: 'pending' },
  validating: { label: 'Validating', type: 'in-progress' },
  invalid: { label: 'Invalid file', type: 'error' },
  generating: { label: 'Generating', type: 'in-progress' },
  generated: { label: 'Generated', type: 'pending' },
  pending_approval: { label: 'Pending Approval', type: 'pending' },
  approved: { label: 'Approved', type: 'success' },
  rejected: { label: 'Admin Rejection', type: 'error' },
  expired: { label: 'Expired', type: 'stopped' },
  sending: { label: 'Sending', type: 'in-progress' },
  sent: { label: 'Sent', type: 'success' },
  partially_sent: { label: 'Partially sent', type: 'warning' },
  complete: { label: 'Complete', type: 'success' },
  archived: { label: 'Archived', type: 'stopped' },
  failed: { label: 'Failed', type: 'error' },
};

/** Every batch status, in the order the lifecycle visits them (the filter's order). */
export const BATCH_STATUSES = Object.keys(BATCH_STATUS) as BatchStatus[];

export const CARD_STATUS: Record<CardStatus, StatusWords> = {
  error: { label: 'Error', type: 'error' },
  ready: { label: 'Ready', type: 'pending' },
  sending: { label: 'Sending', type: 'in-progress' },
  sent: { label: 'Sent', type: 'success' },
  delivered: { label: 'Delivered', type: 'success' },
  bounced: { label: 'Bounced', type: 'error' },
  failed: { label: 'Failed', type: 'error' },
  unconfirmed: { label: 'Unconfirmed', type: 'warning' },
  rejected: { label: 'Rejected', type: 'stopped' },
  removed: { label: 'Removed', type: 'stopped' },
  suppressed: { label: 'Suppressed', type: 'stopped' },
};

export const CARD_STATUSES = Object.keys(CARD_STATUS) as CardStatus[];

export function batchStatusLabel(status: BatchStatus): string {
  return BATCH_STATUS[status].label;
}

export function cardStatusLabel(status: CardStatus): string {
  return CARD_STATUS[status].label;
}

/**
 * The Bulk Sender list's default filter: Approved, Pending Approval and Admin Rejection checked,
 * Archived (and the rest) not.
 */
export const DEFAULT_BATCH_FILTER: readonly BatchStatus[] = ['approved', 'pending_approval', 'rejected'];

/** A batch that changes without anyone acting: lists and pages refresh while one is shown. */
export function isMoving(batch: Pick<Batch, 'status' | 'auto_distribute'>): boolean {
  switch (batch.status) {
    case 'validating':
    case 'generating':
    case 'sending':
      return true;
    case 'approved':
      return batch.auto_distribute;
    default:
      return false;
  }
}

const DATE_TIME = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

export function formatTime(iso: string | null | undefined): string {
  if (!iso) {
    return '-';
  }
  const moment = new Date(iso);
  return Number.isNaN(moment.getTime()) ? iso : DATE_TIME.format(moment);
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) {
    return `${Math.ceil(seconds)} s`;
  }
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 120) {
    return `${minutes} min`;
  }
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}

/**
 * Who did something, for people to read. The API identifies people by user id (Cognito `sub`)
 * and gives their email beside it for display; an actor that is not a person has a marker in
 * place of the id: `s3-drop` (a file dropped in S3 under no user's folder) or `policy:…` (a
 * decision no one had to make). A user id without an email (a drop under a user's folder) is
 * shown as the id.
 */
export function personLabel(userId: string | null, email: string | null | undefined): string {
  if (email) return email;
  if (!userId) return '-';
  if (userId === 's3-drop') return 'S3 drop';
  if (userId.startsWith('policy:')) return 'Automatic (no approval required)';
  return userId;
}
