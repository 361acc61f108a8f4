import { describe, expect, it } from 'vitest';

import {
  EMPTY_CONFIG,
  EMPTY_TIMING,
  fromConfig,
  fromWhen,
  inZone,
  toConfig,
  toWhen,
  type TimingForm,
} from '../../src/pages/schedules/schedule-form';

const at = (form: Partial<TimingForm>): TimingForm => ({ ...EMPTY_TIMING, date: '2027-03-01', time: '06:30', ...form });

describe('the schedule editor: timing to the API', () => {
  it('runs immediately by default, in the organisation timezone unless one is chosen', () => {
    expect(toWhen(EMPTY_TIMING)).toEqual({ ok: true, value: { mode: 'immediate', timezone: null } });
    expect(toWhen({ ...EMPTY_TIMING, timezone: ' Europe/Paris ' })).toEqual({ ok: true, value: { mode: 'immediate', timezone: 'Europe/Paris' } });
  });

  it('runs once at a wall-clock date and time (no offset: the timezone is separate)', () => {
    expect(toWhen(at({ mode: 'once', timezone: 'Asia/Tokyo' }))).toEqual({
      ok: true,
      value: { mode: 'once', start_at: '2027-03-01T06:30', timezone: 'Asia/Tokyo' },
    });
  });

  it('says what is missing instead of sending a half-made timing', () => {
    expect(toWhen(at({ mode: 'once', date: '' }))).toEqual({ ok: false, problem: 'Choose the date of the first run.' });
    expect(toWhen(at({ mode: 'once', time: '6:30' }))).toMatchObject({ ok: false });
    expect(toWhen(at({ mode: 'once', time: '24:00' }))).toMatchObject({ ok: false });
    expect(toWhen(at({ mode: 'recurring', frequency: 'weekly', weekdays: [] }))).toEqual({ ok: false, problem: 'Choose at least one weekday.' });
    expect(toWhen(at({ mode: 'recurring', frequency: 'monthly', monthDay: '29' }))).toMatchObject({ ok: false });
    expect(toWhen(at({ mode: 'recurring', frequency: 'cron', cron: '0 6 * * ?' }))).toMatchObject({ ok: false });
  });

  it('sends weekdays in week order whatever order they were ticked in', () => {
    const when = toWhen(at({ mode: 'recurring', frequency: 'weekly', weekdays: ['FRI', 'MON', 'WED'], timezone: 'America/New_York' }));
    expect(when).toEqual({
      ok: true,
      value: { mode: 'recurring', start_at: '2027-03-01T06:30', timezone: 'America/New_York', frequency: 'weekly', weekdays: ['MON', 'WED', 'FRI'] },
    });
  });

  it('sends a month day as a number, the last day as "last", and a cron expression trimmed', () => {
    expect(toWhen(at({ mode: 'recurring', frequency: 'monthly', monthDay: '15' }))).toMatchObject({ value: { day_of_month: 15 } });
    expect(toWhen(at({ mode: 'recurring', frequency: 'monthly', monthDay: 'last' }))).toMatchObject({ value: { day_of_month: 'last' } });
    expect(toWhen(at({ mode: 'recurring', frequency: 'cron', cron: ' 0 6 ? * MON-FRI * ' }))).toMatchObject({
      value: { frequency: 'cron', cron: '0 6 ? * MON-FRI *' },
    });
    const hourly = toWhen(at({ mode: 'recurring', frequency: 'hourly', weekdays: ['MON'] }));
    expect(hourly).toEqual({ ok: true, value: { mode: 'recurring', start_at: '2027-03-01T06:30', timezone: null, frequency: 'hourly' } });
  });

  it('reads a saved timing back into the same form', () => {
    const form = at({ mode: 'recurring', frequency: 'weekly', weekdays: ['TUE', 'THU'], timezone: 'Europe/Paris' });
    const sent = toWhen(form);
    if (!sent.ok) throw new Error(sent.problem);
    expect(fromWhen(sent.value)).toEqual(form);
    expect(fromWhen({ mode: 'recurring', start_at: '2027-01-31T23:05:00', frequency: 'monthly', day_of_month: 'last' })).toMatchObject({
      date: '2027-01-31',
      time: '23:05',
      monthDay: 'last',
      timezone: '',
    });
  });
});

describe('the schedule editor: configuration to the API', () => {
  it('a distribution from a file prefix', () => {
    expect(toConfig({ ...EMPTY_CONFIG, processId: 'p1', sourcePrefix: ' weekly/ ', standingApproval: true })).toEqual({
      ok: true,
      value: { kind: 'distribution', process_id: 'p1', source_prefix: 'weekly/', batch_name: null, auto_distribute: true, standing_approval: true },
    });
    expect(toConfig(EMPTY_CONFIG)).toMatchObject({ ok: false });
  });

  it('a distribution from a contact filter, with its template, due date and channels', () => {
    const form = {
      ...EMPTY_CONFIG,
      processId: 'p1',
      source: 'contacts' as const,
      contactFilter: '{"tags_any": ["spring"]}',
      template: 'spring',
      dueDate: '2027-06-30',
      channels: ['email' as const, 'letter' as const],
    };
    const read = toConfig(form);
    expect(read).toMatchObject({
      ok: true,
      value: { contact_filter: { tags_any: ['spring'] }, template: 'spring', due_date: '2027-06-30', channels: ['email', 'letter'], source_prefix: '' },
    });
    if (!read.ok) throw new Error(read.problem);
    expect(fromConfig(read.value)).toEqual({ ...form, contactFilter: '{"tags_any":["spring"]}' });
    expect(toConfig({ ...form, contactFilter: '{tags' })).toEqual({ ok: false, problem: 'The contact filter is not valid JSON.' });
    expect(toConfig({ ...form, contactFilter: '[1]' })).toMatchObject({ ok: false });
  });

  it('sending a batch and a retrieval', () => {
    expect(toConfig({ ...EMPTY_CONFIG, kind: 'send_batch', batchId: 'b1' })).toEqual({ ok: true, value: { kind: 'send_batch', batch_id: 'b1' } });
    expect(toConfig({ ...EMPTY_CONFIG, kind: 'send_batch' })).toMatchObject({ ok: false });
    expect(toConfig({ ...EMPTY_CONFIG, kind: 'retrieval', idleDays: '14' })).toEqual({ ok: true, value: { kind: 'retrieval', idle_days: 14 } });
    expect(toConfig({ ...EMPTY_CONFIG, kind: 'retrieval', idleDays: '0' })).toMatchObject({ ok: false });
    expect(fromConfig({ kind: 'retrieval', idle_days: 14 })).toMatchObject({ kind: 'retrieval', idleDays: '14' });
  });
});

describe('fire times in a timezone', () => {
  it('shows one instant as the wall clock of each timezone', () => {
    const instant = '2027-03-01T05:30:00Z';
    expect(inZone(instant, 'Europe/Paris')).toMatch(/06:30/);
    expect(inZone(instant, 'America/New_York')).toMatch(/00:30/);
    expect(inZone(instant, 'UTC')).toMatch(/05:30 UTC/);
    expect(inZone(null, 'UTC')).toBe('-');
    expect(inZone(instant, 'Not/AZone')).toBe(instant);
  });
});
