import { describe, expect, it } from 'vitest';

import type { Identity } from '../../src/auth/identity';
import { linkExpired } from '../../src/pages/communication/letters';
import { scheduleAction } from '../../src/pages/schedules/schedule-actions';

const admin: Identity = { userId: 'u1', email: 'a@x.test', orgId: 'o', role: 'admin', expiresAt: 0 };
const approver: Identity = { ...admin, role: 'approver' };

describe('what may be done with a schedule now (as the API decides)', () => {
  it('edits a one-time run until it runs, and a recurring one unless it is processing', () => {
    expect(scheduleAction('edit', { state: 'scheduled', processing: false }, admin).allowed).toBe(true);
    expect(scheduleAction('edit', { state: 'recurring', processing: true }, admin)).toEqual({
      allowed: false,
      reason: 'It is processing a run: change it when the run is done.',
    });
    expect(scheduleAction('edit', { state: 'completed', processing: false }, admin).allowed).toBe(false);
  });

  it('pauses only a recurring schedule, resumes only a paused one, cancels any upcoming one', () => {
    expect(scheduleAction('pause', { state: 'recurring', processing: true }, admin).allowed).toBe(true);
    expect(scheduleAction('pause', { state: 'scheduled', processing: false }, admin).allowed).toBe(false);
    expect(scheduleAction('resume', { state: 'recurring_paused', processing: false }, admin).allowed).toBe(true);
    expect(scheduleAction('resume', { state: 'recurring', processing: false }, admin).allowed).toBe(false);
    expect(scheduleAction('cancel', { state: 'recurring_paused', processing: false }, admin).allowed).toBe(true);
    expect(scheduleAction('cancel', { state: 'cancelled', processing: false }, admin).allowed).toBe(false);
  });

  it('leaves every change to admins', () => {
    expect(scheduleAction('cancel', { state: 'scheduled', processing: false }, approver)).toEqual({
      allowed: false,
      reason: 'Managing schedules needs the admin role.',
    });
  });
});

describe('the letters link', () => {
  it('is expired from its expiry on, and a bundle without a link never is', () => {
    const now = Date.parse('2027-01-01T12:00:00Z');
    expect(linkExpired({ expires_at: '2027-01-01T11:59:59Z' }, now)).toBe(true);
    expect(linkExpired({ expires_at: '2027-01-01T12:00:01Z' }, now)).toBe(false);
    expect(linkExpired({ expires_at: null }, now)).toBe(false);
  });
});
