/** Test data shaped like the API's answers. */
import type { Batch, Card } from '../../src/api/models';
import type { Identity, Role } from '../../src/auth/identity';

export function batch(overrides: Partial<Batch> = {}): Batch {
  return {
    id: '01batch',
    process_id: '01process',
    process_name: 'Policy renewal',
    name: 'March renewals',
    file_name: 'recipients.csv',
    created_by: 'sender@acme.test',
    created_at: '2026-03-01T09:00:00Z',
    updated_at: '2026-03-01T09:00:00Z',
    status: 'pending_approval',
    status_reason: null,
    auto_distribute: true,
    auto_distribute_reason: null,
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
    approval: { requested_at: null, decided_by: null, decided_at: null, reason: null },
    send_runs: 0,
    closed_by: null,
    columns: ['first_name', 'email'],
    sent_label: '0/4 sent',
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
    ...overrides,
  };
}
