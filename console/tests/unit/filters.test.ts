import { describe, expect, it } from 'vitest';

import type { Api } from '../../src/api/client';
import { BATCH_STATUSES } from '../../src/common/labels';
import { fetchBatchesPage, filtered, nextLimit } from '../../src/api/batches-list';
import type { BatchListParams } from '../../src/hooks/keys';
import { readListState, statusesOf, writeListState } from '../../src/pages/batches/list-state';
import { batch } from './fixtures';

describe('the batches list state in the URL', () => {
  it('starts from the Bulk Sender defaults: newest first, Approved, Pending Approval and Admin Rejection', () => {
    const state = readListState(new URLSearchParams(''));
    expect(state).toEqual({ statuses: ['approved', 'pending_approval', 'rejected'], search: '', sort: 'created', order: 'desc' });
    expect(writeListState(state).toString()).toBe(''); // defaults leave the address clean
  });

  it('sorts by name A to Z by default, and keeps what was chosen through a reload', () => {
    const chosen = { statuses: ['archived' as const], search: 'march', sort: 'name' as const, order: 'asc' as const };
    const query = writeListState(chosen);
    expect(query.toString()).toBe('status=archived&q=march&sort=name');
    expect(readListState(query)).toEqual(chosen);
    expect(readListState(new URLSearchParams('sort=name&order=desc')).order).toBe('desc');
  });

  it('drops statuses it does not know, and an empty choice means every status', () => {
    expect(readListState(new URLSearchParams('status=sent,bogus')).statuses).toEqual(['sent']);
    expect(readListState(new URLSearchParams('status=')).statuses).toEqual([]);
    expect(statusesOf([{ value: 'sent' }, { value: 'nope' }, {}])).toEqual(['sent']);
  });
});

describe('a page of batches from the API', () => {
  const params: BatchListParams = { statuses: ['approved'], search: 'mar', sort: 'created', order: 'desc', pageSize: 25 };

  function fakeApi(pages: { items: number; next: string | null }[]) {
    const calls: Record<string, unknown>[] = [];
    const api = {
      GET: async (_path: string, init: { params: { query: Record<string, unknown> } }) => {
        calls.push(init.params.query);
        const page = pages[calls.length - 1] ?? { items: 0, next: null };
        const items = Array.from({ length: page.items }, (_, index) => batch({ id: `b-${calls.length}-${index}` }));
        return { data: { items, next_cursor: page.next }, response: new Response('{}', { status: 200 }) };
      },
    } as unknown as Api;
    return { api, calls };
  }

  it('asks for as many rows as the density seen so far needs, the most while nothing matched', () => {
    expect(nextLimit(25, 0, 0, false)).toBe(25); // every status: every row read is kept
    expect(nextLimit(25, 0, 0, true)).toBe(100); // filtered: one request usually fills the page
    expect(nextLimit(25, 25, 0, true)).toBe(100);
    expect(nextLimit(25, 25, 7, true)).toBe(78); // 18 missing at 7 in 25, with a margin
    expect(nextLimit(25, 25, 24, true)).toBe(2);
    expect(nextLimit(25, 25, 1, true)).toBe(100);
  });

  it('knows when the API drops rows it reads', () => {
    expect(filtered(params)).toBe(true);
    expect(filtered({ ...params, search: '', statuses: [] })).toBe(false);
    expect(filtered({ ...params, search: '', statuses: [...BATCH_STATUSES] })).toBe(false);
    expect(filtered({ ...params, search: '', statuses: ['sent'] })).toBe(true);
  });

  it('follows the cursor past short pages (filters apply after the read) until the page is full', async () => {
    const { api, calls } = fakeApi([
      { items: 20, next: 'c1' },
      { items: 6, next: 'c2' },
    ]);
    const page = await fetchBatchesPage(api, params, null);
    expect(page.items).toHaveLength(26); // the last read's rows are all kept: a cursor cannot be split
    expect(page.nextCursor).toBe('c2');
    expect(calls.map((query) => [query['limit'], query['cursor']])).toEqual([
      [100, undefined],
      [30, 'c1'], // 5 missing at 20 in 100 read, with a margin
    ]);
    expect(calls[0]).toMatchObject({ status: 'approved', q: 'mar', sort: 'created', order: 'desc' });
  });

  it('shows the first matches of a rare search after two reads instead of reading on', async () => {
    const { api, calls } = fakeApi([
      { items: 0, next: 'c1' },
      { items: 1, next: 'c2' },
      { items: 0, next: 'c3' },
      { items: 0, next: 'c4' },
      { items: 0, next: 'c5' },
    ]);
    const page = await fetchBatchesPage(api, params, null);
    expect(page.items).toHaveLength(1);
    expect(page.nextCursor).toBe('c2');
    expect(calls).toHaveLength(2);
  });

  it('stops at the end of the list', async () => {
    const { api, calls } = fakeApi([{ items: 2, next: null }]);
    expect(await fetchBatchesPage(api, params, 'start')).toMatchObject({ nextCursor: null });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.['cursor']).toBe('start');
  });
});
