import { describe, expect, it } from 'vitest';

import type { Batch } from '../../src/api/models';
import { BATCH_STATUS, BATCH_STATUSES, CARD_STATUSES, DEFAULT_BATCH_FILTER, batchStatusLabel, cardStatusLabel, formatDuration, isMoving, personLabel, plural } from '../../src/common/labels';

describe('status labels', () => {
  it('shows rejected as "Admin Rejection", as operators know it from the Bulk Sender', () => {
    expect(batchStatusLabel('rejected')).toBe('Admin Rejection');
    expect(batchStatusLabel('pending_approval')).toBe('Pending Approval');
  });

  it('gives every batch and card status words and an indicator, never only a colour', () => {
    expect(BATCH_STATUSES).toHaveLength(16); // open and generated: a communication's (PRODUCT §8)
    expect(BATCH_STATUSES).toEqual(expect.arrayContaining(['open', 'generated']));
    for (const status of BATCH_STATUSES) expect(BATCH_STATUS[status].label).toMatch(/^[A-Z][a-z]/);
    expect(new Set(BATCH_STATUSES.map(batchStatusLabel)).size).toBe(BATCH_STATUSES.length);
    expect(CARD_STATUSES.map(cardStatusLabel)).toContain('Unconfirmed');
  });
});

describe('the default status filter', () => {
  it('follows the Bulk Sender article: Approved, Pending Approval and Admin Rejection; not Archived', () => {
    expect([...DEFAULT_BATCH_FILTER].sort()).toEqual(['approved', 'pending_approval', 'rejected']);
    expect(DEFAULT_BATCH_FILTER).not.toContain('archived');
  });
});

describe('moving batches', () => {
  const batch = (status: Batch['status'], auto_distribute = true) => ({ status, auto_distribute });
  it('are those that change without anyone acting', () => {
    expect(isMoving(batch('validating'))).toBe(true);
    expect(isMoving(batch('sending'))).toBe(true);
    expect(isMoving(batch('approved'))).toBe(true);
    expect(isMoving(batch('approved', false))).toBe(false); // waits for someone to send
    expect(isMoving(batch('pending_approval'))).toBe(false);
    expect(isMoving(batch('sent'))).toBe(false);
  });
});

describe('words', () => {
  it('counts and durations read naturally', () => {
    expect(plural(1, 'card')).toBe('1 card');
    expect(plural(3, 'unsent card')).toBe('3 unsent cards');
    expect(formatDuration(12.2)).toBe('13 s');
    expect(formatDuration(600)).toBe('10 min');
    expect(formatDuration(3 * 3600 + 60)).toBe('3 h 1 min');
  });
});

describe('people', () => {
  it('are shown by their email; actors that are not people in words; a user id only without an email', () => {
    expect(personLabel('3f9c…', 'ada@acme.test')).toBe('ada@acme.test');
    expect(personLabel('s3-drop', null)).toBe('S3 drop');
    expect(personLabel('policy:no-approval-required', null)).toBe('Automatic (no approval required)');
    expect(personLabel('3f9c0a', null)).toBe('3f9c0a');
    expect(personLabel(null, null)).toBe('-');
  });
});
