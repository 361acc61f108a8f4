import { describe, expect, it } from 'vitest';

import { batchPermission, distributePermission, unsentCards } from '../../src/common/permissions';
import { consequence } from '../../src/pages/batch-detail/batch-actions';
import { batch, card, who } from './fixtures';

const allowed = (...args: Parameters<typeof batchPermission>) => batchPermission(...args).allowed;

describe('batch actions by role', () => {
  it('lets only approvers (and admins) approve and reject', () => {
    const pending = batch();
    expect(allowed('approve', pending, who('sender'))).toBe(false);
    expect(batchPermission('approve', pending, who('sender')).reason).toBe('Approving needs the approver role.');
    expect(allowed('approve', pending, who('approver'))).toBe(true);
    expect(allowed('approve', pending, who('admin'))).toBe(true);
    expect(allowed('reject', pending, who('sender'))).toBe(false);
    expect(allowed('reject', pending, who('approver'))).toBe(true);
  });

  it('explains four-eyes when it blocks the creator, who is known by user id (sub), not by email', () => {
    const approver = who('approver');
    const mine = batch({ created_by: approver.userId, created_by_email: 'someone-else@acme.test' });
    const blocked = batchPermission('approve', mine, approver, { fourEyes: true });
    expect(blocked.allowed).toBe(false);
    expect(blocked.reason).toMatch(/^Four-eyes approval is on/);
    expect(allowed('approve', mine, approver, { fourEyes: false })).toBe(true);
    expect(allowed('approve', batch(), approver, { fourEyes: true })).toBe(true);
    // Another account that shows the same email is another person: the API allows it, so does the console.
    const sameEmail = batch({ created_by: 'id-another-account', created_by_email: approver.email });
    expect(allowed('approve', sameEmail, approver, { fourEyes: true })).toBe(true);
  });
});

describe('batch actions by state', () => {
  const approver = who('approver');
  it('follows the lifecycle graph', () => {
    expect(allowed('approve', batch({ status: 'approved' }), approver)).toBe(false);
    expect(allowed('reject', batch({ status: 'sending' }), approver)).toBe(true);
    expect(allowed('reject', batch({ status: 'sent' }), approver)).toBe(false);
    expect(allowed('complete', batch({ status: 'sent' }), approver)).toBe(true);
    expect(allowed('complete', batch({ status: 'pending_approval' }), approver)).toBe(false);
    expect(allowed('archive', batch({ status: 'failed' }), approver)).toBe(true);
    expect(allowed('archive', batch({ status: 'sending' }), approver)).toBe(false);
    expect(allowed('resume', batch({ status: 'failed' }), approver)).toBe(true);
    expect(allowed('resume', batch({ status: 'sent' }), approver)).toBe(false);
    expect(allowed('rename', batch({ status: 'archived' }), approver)).toBe(false);
    expect(allowed('export', batch({ status: 'validating' }), approver)).toBe(false);
  });

  it('offers clone only for a complete, archived, rejected or expired batch', () => {
    for (const status of ['complete', 'archived', 'rejected', 'expired'] as const) {
      expect(allowed('clone', batch({ status }), who('sender'))).toBe(true);
    }
    expect(allowed('clone', batch({ status: 'sent' }), who('sender'))).toBe(false);
  });

  it('offers send remaining only when cards wait, and retry failed only when some failed', () => {
    const waiting = batch({ status: 'approved', auto_distribute: false });
    expect(allowed('sendRemaining', waiting, who('sender'))).toBe(true);
    const none = batch({ status: 'approved', counters: { ...batch().counters, by_status: { sent: 4 } } });
    expect(batchPermission('sendRemaining', none, who('sender')).reason).toBe('No card is waiting to be sent.');
    const sent = batch({ status: 'partially_sent', counters: { ...batch().counters, failed: 2, by_status: { sent: 2, failed: 2 } } });
    expect(allowed('retryFailed', sent, who('sender'))).toBe(true);
    expect(allowed('retryFailed', batch({ status: 'sent' }), who('sender'))).toBe(false);
  });
});

describe('what a confirmation says', () => {
  it('counts the cards that will be removed, rejected or sent', () => {
    const approved = batch({ status: 'approved', counters: { ...batch().counters, by_status: { ready: 2, error: 1, sent: 1 } } });
    expect(unsentCards(approved)).toBe(3);
    expect(consequence('complete', approved)).toBe('3 unsent cards will be removed. The batch is kept for reference.');
    expect(consequence('archive', approved)).toBe('3 unsent cards will be removed, and the batch leaves the default list.');
    expect(consequence('reject', approved)).toBe('Cards already sent stay sent; 3 unsent cards will be rejected and sending stops.');
    expect(consequence('reject', batch())).toBe('Nothing will be sent: the 4 cards of this batch will be rejected.');
    expect(consequence('approve', batch())).toBe('4 cards will be sent now.');
    expect(consequence('sendRemaining', approved)).toBe('2 ready cards will be sent now.');
    expect(consequence('complete', batch({ status: 'sent', counters: { ...batch().counters, by_status: { sent: 4 } } }))).toMatch(/No card is waiting/);
  });
});

describe('card distribution', () => {
  const approved = batch({ status: 'approved' });
  it('lets a sender send a ready card or resend a sent one, and only an approver resend an unconfirmed one', () => {
    expect(distributePermission(card(), approved, who('sender')).allowed).toBe(true);
    expect(distributePermission(card({ status: 'delivered' }), approved, who('sender')).allowed).toBe(true);
    expect(distributePermission(card({ status: 'unconfirmed' }), approved, who('sender')).reason).toBe(
      'Resending an unconfirmed card needs the approver role.',
    );
    expect(distributePermission(card({ status: 'unconfirmed' }), approved, who('approver')).allowed).toBe(true);
    expect(distributePermission(card({ status: 'bounced' }), approved, who('admin')).allowed).toBe(false);
    expect(distributePermission(card(), batch({ status: 'pending_approval' }), who('admin')).reason).toBe('The batch is not approved.');
  });
});
