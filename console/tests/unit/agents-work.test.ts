/** The logic behind the agents' screens: roles, leads' names, filters' syntax, business hours, holdings, a lost claim. */
import { describe, expect, it } from 'vitest';

import { ApiError } from '../../src/api/errors';
import type { GroupView } from '../../src/api/models';
import { identityFromClaims } from '../../src/auth/identity';
import { leadName } from '../../src/common/leads';
import { agentsNavigation, homeOf } from '../../src/common/navigation-agents';
import { batchPermission, canManageAgents, canWorkQueues, isAgent } from '../../src/common/permissions';
import { take } from '../../src/hooks/workspace';
import { filtersOf, formatFilter, parseFilter } from '../../src/pages/agents/filters';
import { cardsHeld } from '../../src/pages/agents/holdings';
import { dayProblems, draftOf, draftProblems, hoursOf, isIsoDate, minutesOf } from '../../src/pages/organisation/hours';
import { readQueueFilter, writeQueueFilter } from '../../src/pages/queues/queue-state';
import { batch, who } from './fixtures';

describe('the agent role', () => {
  const claims = (groups: string) => ({ sub: 'u1', 'custom:org_id': 'acme', 'cognito:groups': groups, email: 'a@acme.test' });

  it('is read from the token, and a staff role wins over it (as the API reads it)', () => {
    expect(identityFromClaims(claims('agent'))?.role).toBe('agent');
    expect(identityFromClaims(claims('agent,sender'))?.role).toBe('sender');
    expect(identityFromClaims(claims('admin agent'))?.role).toBe('admin');
  });

  it('gives no staff right: no batch action, no queues, no agents; only the workspace', () => {
    const agent = who('agent');
    expect(batchPermission('export', batch({ status: 'sent' }), agent)).toEqual({ allowed: false, reason: 'This needs the sender role.' });
    expect([isAgent(agent), canWorkQueues(agent), canManageAgents(agent)]).toEqual([true, false, false]);
    expect(agentsNavigation(agent).map((item) => ('href' in item ? item.href : ''))).toEqual(['/workspace']);
    expect(homeOf(agent)).toBe('/workspace');
  });

  it('shows the queues to senders, and agents and the organisation to admins', () => {
    const hrefs = (role: 'sender' | 'approver' | 'admin') => agentsNavigation(who(role)).map((item) => ('href' in item ? item.href : ''));
    expect(hrefs('sender')).toEqual(['/queues']);
    expect(hrefs('approver')).toEqual(['/queues']);
    expect(hrefs('admin')).toEqual(['/queues', '/agents', '/organisation']);
    expect(homeOf(who('admin'))).toBe('/batches');
  });
});

describe('a lead is named by the person it is about', () => {
  const lead = (values: Record<string, unknown>, email: string | null = 'ada@example.com') => ({ row: 2, email, phone: null, values });

  it('from first and last name, a full-name field, the address, or the row', () => {
    expect(leadName(lead({ first_name: 'Ada', last_name: 'Lovelace' }))).toBe('Ada Lovelace');
    expect(leadName(lead({ First_Name: ' Ada ', Surname: null }))).toBe('Ada');
    expect(leadName(lead({ name: 'Countess Lovelace' }))).toBe('Countess Lovelace');
    expect(leadName(lead({ first_name: '' }))).toBe('ada@example.com');
    expect(leadName(lead({}, null))).toBe('Row 2');
  });
});

describe('eligibility filters in the agents file syntax', () => {
  it('reads equals, one-of and ranges, typing numbers as a number field would', () => {
    expect(parseFilter('=north')).toEqual({ filter: { equals: 'north' } });
    expect(parseFilter('=TRUE')).toEqual({ filter: { equals: true } });
    expect(parseFilter('=100')).toEqual({ filter: { equals: 100 } });
    expect(parseFilter('=02134')).toEqual({ filter: { equals: '02134' } }); // a code, not a number
    expect(parseFilter('in: CA | NY |')).toEqual({ filter: { in: ['CA', 'NY'] } });
    expect(parseFilter('10..20.5')).toEqual({ filter: { min: 10, max: 20.5 } });
    expect(parseFilter('..2026-12-31')).toEqual({ filter: { max: '2026-12-31' } });
  });

  it('says what is wrong', () => {
    expect(parseFilter('=')).toEqual({ error: '= needs a value: =north' });
    expect(parseFilter('in:')).toEqual({ error: 'in: needs at least one value: in:a|b|c' });
    expect(parseFilter('..')).toEqual({ error: 'a range needs a minimum, a maximum or both: 10..20, 10.. or ..20' });
    expect(parseFilter('1..2026-01-01')).toEqual({ error: 'both ends of a range must be numbers, or both text (such as ISO dates)' });
    expect(parseFilter('north')).toEqual({ error: 'write =value, in:a|b|c or min..max' });
    expect(filtersOf([{ field: 'state', condition: '=CA' }, { field: 'state', condition: '=NY' }, { field: '', condition: '=x' }, { field: '', condition: '' }]).problems).toEqual([
      'state: one filter per field.',
      'A filter "=x" has no field.',
    ]);
  });

  it('writes the API\'s filters back as they are read', () => {
    for (const text of ['=north', 'in:CA|NY', '10..20', '10..', '..2026-12-31']) {
      const parsed = parseFilter(text);
      if ('error' in parsed) throw new Error(parsed.error);
      expect(formatFilter(parsed.filter)).toBe(text);
    }
  });
});

describe('business hours as edited', () => {
  it('checks times of day as the API does', () => {
    expect([minutesOf('00:00'), minutesOf('09:30'), minutesOf('24:00')]).toEqual([0, 570, 1440]);
    expect([minutesOf('24:01'), minutesOf('9:00'), minutesOf('12:60')]).toEqual([null, null, null]);
    expect(dayProblems([{ start: '18:00', end: '09:00' }])).toEqual(['18:00-09:00 must end after it starts; split an overnight shift at midnight.']);
    expect(dayProblems([{ start: '13:00', end: '17:00' }, { start: '09:00', end: '13:30' }])).toEqual(['09:00-13:30 overlaps 13:00-17:00.']);
    expect(dayProblems([{ start: '09:00', end: '13:00' }, { start: '13:00', end: '17:00' }])).toEqual([]); // touching is fine
    expect([isIsoDate('2026-02-28'), isIsoDate('2026-02-30'), isIsoDate('2026/02/28')]).toEqual([true, false, false]);
  });

  it('leaves closed days out and sends nothing while a day is wrong', () => {
    const draft = draftOf({ timezone: 'UTC', weekly: { MON: [{ start: '09:00', end: '17:00' }] }, holidays: ['2026-12-25', '2026-12-24'] });
    expect(hoursOf(draft, 'Europe/Paris')).toEqual({
      timezone: 'Europe/Paris',
      weekly: { MON: [{ start: '09:00', end: '17:00' }] },
      holidays: ['2026-12-24', '2026-12-25'],
    });
    const wrong = { ...draft, weekly: { ...draft.weekly, TUE: [{ start: '25:00', end: '26:00' }] } };
    expect(draftProblems(wrong)).toEqual({ TUE: ['25:00-26:00: use HH:MM, from 00:00 to 24:00.'] });
    expect(hoursOf(wrong, 'UTC')).toBeNull();
  });
});

describe('the rest of the agents screens', () => {
  it('adds up the cards an agent holds over their groups', () => {
    const group = (id: string, places: [string, number][]): GroupView => ({
      id,
      org_id: 'acme',
      name: id,
      default_agent_id: null,
      created_at: 't',
      rotation: places.map(([agent_id, assigned]) => ({ agent_id, assigned, available: true })),
    });
    const held = cardsHeld([group('g1', [['a', 2], ['b', 0]]), group('g2', [['a', 3]])]);
    expect([held.get('a'), held.get('b'), held.get('c')]).toEqual([5, 0, undefined]);
  });

  it('keeps a queue view in the URL', () => {
    const filter = { queue: 'unassigned' as const, processId: 'p1', batchId: null, groupId: 'g1', search: ' ada ' };
    const params = writeQueueFilter(filter);
    expect(params.toString()).toBe('queue=unassigned&process=p1&group=g1&q=ada');
    expect(readQueueFilter(params)).toEqual({ ...filter, search: 'ada' });
    expect(readQueueFilter(new URLSearchParams('queue=nonsense')).queue).toBe('lead_exception');
  });

  it('takes a lost claim as an answer, and any other failure as an error', async () => {
    expect(await take(Promise.resolve({}))).toEqual({ won: true });
    const lost = new ApiError(409, 'conflict', 'another agent claimed this card first');
    expect(await take(Promise.reject(lost))).toEqual({ won: false, reason: 'another agent claimed this card first' });
    await expect(take(Promise.reject(new ApiError(403, 'forbidden', 'not your group')))).rejects.toThrow('not your group');
  });
});
