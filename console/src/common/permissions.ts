/**
 * What the signed-in user may do with a batch or a card, from their role and its state: the
 * console shows an action enabled only when the API would accept it (the API decides in the end;
 * this mirrors dispatch/batches/lifecycle.py, dispatch/batches/service.py and
 * dispatch/cards/service.py so that a role that may not act never sees the action enabled).
 */
import type { Batch, BatchStatus, Card, CardStatus } from '../api/models';
import { atLeast, type Identity } from '../auth/identity';

export type BatchAction =
  | 'approve'
  | 'reject'
  | 'sendRemaining'
  | 'retryFailed'
  | 'resume'
  | 'complete'
  | 'archive'
  | 'rename'
  | 'clone'
  | 'export'
  | 'rowErrors';

export interface Allowed {
  allowed: boolean;
  /** Why not, in words, when it is not allowed (shown beside a disabled action). */
  reason?: string;
}

const YES: Allowed = { allowed: true };
const no = (reason: string): Allowed => ({ allowed: false, reason });

const COMPLETABLE: readonly BatchStatus[] = ['approved', 'sent', 'partially_sent'];
const ARCHIVABLE: readonly BatchStatus[] = [
  'approved',
  'sent',
  'partially_sent',
  'invalid',
  'rejected',
  'expired',
  'complete',
  'failed',
];
const CLONABLE: readonly BatchStatus[] = ['complete', 'archived', 'rejected', 'expired'];
const NOT_EXPORTABLE: readonly BatchStatus[] = ['uploading', 'validating', 'generating'];
const REJECTABLE: readonly BatchStatus[] = ['pending_approval', 'approved', 'sending'];

export interface ApprovalPolicy {
  /** Four-eyes approval in force for this batch (its process's setting, else the organisation's). */
  fourEyes: boolean;
}

export function batchPermission(
  action: BatchAction,
  batch: Batch,
  who: Identity,
  policy: ApprovalPolicy = { fourEyes: false },
): Allowed {
  const { status, counters } = batch;
  const sender = atLeast(who.role, 'sender');
  const approver = atLeast(who.role, 'approver');
  switch (action) {
    case 'approve':
      if (!approver) return no('Approving needs the approver role.');
      if (status !== 'pending_approval') return no('Only a batch pending approval can be approved.');
      // Four-eyes compares people by user id, as the API does (an email is for display only).
      if (policy.fourEyes && batch.created_by === who.userId) {
        return no('Four-eyes approval is on: the person who created a batch cannot approve it. Ask another approver.');
      }
      return YES;
    case 'reject':
      if (!approver) return no('Rejecting needs the approver role.');
      return REJECTABLE.includes(status) ? YES : no('Only a batch pending approval, approved or sending can be rejected.');
    case 'sendRemaining':
      if (!sender) return no('This needs the sender role.');
      if (status !== 'approved' && status !== 'partially_sent') return no('Only an approved or partially sent batch has cards to send.');
      return (counters.by_status['ready'] ?? 0) > 0 ? YES : no('No card is waiting to be sent.');
    case 'retryFailed':
      if (!sender) return no('This needs the sender role.');
      if (status !== 'sent' && status !== 'partially_sent') return no('Only a sent or partially sent batch can retry failed cards.');
      return counters.failed > 0 ? YES : no('No card has failed.');
    case 'resume':
      if (!sender) return no('This needs the sender role.');
      return status === 'failed' ? YES : no('Only a failed batch can be resumed.');
    case 'complete':
      if (!sender) return no('This needs the sender role.');
      return COMPLETABLE.includes(status) ? YES : no('Only an approved, sent or partially sent batch can be completed.');
    case 'archive':
      if (!sender) return no('This needs the sender role.');
      return ARCHIVABLE.includes(status) ? YES : no('This batch cannot be archived now.');
    case 'rename':
      if (!sender) return no('This needs the sender role.');
      return status === 'archived' ? no('An archived batch cannot be renamed.') : YES;
    case 'clone':
      if (!sender) return no('This needs the sender role.');
      return CLONABLE.includes(status) ? YES : no('Only a complete, archived, rejected or expired batch can be cloned.');
    case 'export':
      if (!sender) return no('This needs the sender role.');
      return NOT_EXPORTABLE.includes(status) ? no('The cards are not ready yet.') : YES;
    case 'rowErrors':
      return counters.rejected > 0 || status === 'invalid' ? YES : no('No row was rejected.');
  }
}

/** Cards still to be sent: what completing or archiving removes (PRODUCT §4). */
export function unsentCards(batch: Batch): number {
  const byStatus = batch.counters.by_status;
  return (byStatus['ready'] ?? 0) + (byStatus['error'] ?? 0);
}

const DISTRIBUTABLE: Partial<Record<CardStatus, 'sender' | 'approver'>> = {
  ready: 'sender',
  sent: 'sender',
  delivered: 'sender',
  unconfirmed: 'approver',
};
const APPROVED_BATCH: readonly BatchStatus[] = ['approved', 'sending', 'sent', 'partially_sent'];

export function distributePermission(card: Pick<Card, 'status'>, batch: Batch | undefined, who: Identity): Allowed {
  const needed = DISTRIBUTABLE[card.status];
  if (!needed) return no('Only a ready card can be distributed, or a sent, delivered or unconfirmed one resent.');
  if (!atLeast(who.role, needed)) {
    return no(needed === 'approver' ? 'Resending an unconfirmed card needs the approver role.' : 'This needs the sender role.');
  }
  if (batch && !APPROVED_BATCH.includes(batch.status)) return no('The batch is not approved.');
  return YES;
}

/** Whether a card's distribution would be a resend (it may reach the recipient twice). */
export function isResend(card: Pick<Card, 'status'>): boolean {
  return card.status !== 'ready';
}

export function canManageProcesses(who: Identity): boolean {
  return atLeast(who.role, 'admin');
}

/** Agents, groups and the organisation's settings are the admin's (PRODUCT §9). */
export function canManageAgents(who: Identity): boolean {
  return atLeast(who.role, 'admin');
}

/** The lead queues: sender and above read them and move their cards. */
export function canWorkQueues(who: Identity): boolean {
  return atLeast(who.role, 'sender');
}

/** The agent's own workspace: a user signed in as an agent (staff are agents only when linked). */
export function isAgent(who: Identity): boolean {
  return who.role === 'agent';
}
