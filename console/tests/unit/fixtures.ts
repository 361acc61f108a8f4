/** Test data shaped like the API's answers. */
import type { Batch, Card } from '../../src/api/models';
import type { Identity, Role } from '../../src/auth/identity';

export function batch(overrides: Partial<Batch> = {}): Batch {
  return {
    id: '01batch',
    org_id: 'acme',
    process_id: '01process',
    process_name: 'Policy renewal',
    name: 'March renewals',
    file_name: 'recipients.csv',
    created_by: 'id-sender@acme.test', // the sender's user id (as `who('sender')` signs in)
    created_by_email: 'sender@acme.test',
    created_at: '2026-03-01T09:00:00Z',
    updated_at: '2026-03-01T09:00:00Z',
    status: 'pending_approval',
    status_reason: null,
    failure: null,
    resumes: 0,
    auto_distribute: true,
    auto_distribute_reason: null,
    assignment: null,
    counters: {
      rows: 7,
      accepted: 4,
      rejected: 3,
      cards: 4,
      errors: 0,
      sent: 0,
      failed: 0,
      delivered: 0,
      bounced: 0,
      accessed: 0,
      by_status: { ready: 4 },
    },
    approval: {
      requested_at: null,
      decided_by: null,
      decided_by_email: null,
      decided_at: null,
      reason: null,
      content: null,
    },
    send_runs: 0,
    closed_by: null,
    closed_by_email: null,
    format: 'csv',
    columns: ['first_name', 'email'],
    revision: 0,
    standing_approval: null,
    standing_approval_email: null,
    schedule_id: null,
    dropped_by: null,
    sent_label: '0/4 sent',
    deferred: null,
    ...overrides,
  };
}

export function who(role: Role, email = `${role}@acme.test`): Identity {
  return { userId: `id-${email}`, email, orgId: 'acme', role, expiresAt: 4_000_000_000 };
}

export function card(overrides: Partial<Card> = {}): Card {
  return {
    id: '01batch-2',
    batch_id: '01batch',
    org_id: 'acme',
    row: 2,
    status: 'ready',
    email: 'ada@example.com',
    phone: '+14155550101',
    error: null,
    sent_at: null,
    accessed_at: null,
    access_count: 0,
    last_distribution: null,
    values: { first_name: 'Ada' },
    channels: ['email', 'sms'],
    retryable: null,
    link_expires_at: 1_790_000_000,
    created_at: '2026-03-01T09:00:00Z',
    last_accessed_at: null,
    accesses: [],
    delivered_at: null,
    bounced_at: null,
    complained_at: null,
    opened_at: null,
    clicked_at: null,
    unsubscribed_at: null,
    distributions: [],
    assignment: null,
    deferred: null,
    ...overrides,
  };
}
