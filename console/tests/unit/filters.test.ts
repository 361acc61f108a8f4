import { describe, expect, it } from 'vitest';

import type { Api } from '../../src/api/client';
import { fetchBatchesPage } from '../../src/hooks/batches';
import type { BatchListParams } from '../../src/hooks/keys';
import { readListState, statusesOf, writeListState } from '../../src/pages/batches/batches-config';
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
  const params: BatchListParams = { statuses: ['approved'], search: 'mar', sort: 'created', order: 'desc', pageSize: 5 };

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

  it('follows the cursor past short pages (filters apply after the read) asking only for the rows missing', async () => {
    const { api, calls } = fakeApi([
      { items: 1, next: 'c1' },
      { items: 0, next: 'c2' },
      { items: 4, next: 'c3' },
    ]);
    const page = await fetchBatchesPage(api, params, null);
    expect(page.items).toHaveLength(5);
    expect(page.nextCursor).toBe('c3');
    expect(calls.map((query) => [query['limit'], query['cursor']])).toEqual([
      [5, undefined],
      [4, 'c1'],
      [4, 'c2'],
    ]);
    expect(calls[0]).toMatchObject({ status: 'approved', q: 'mar', sort: 'created', order: 'desc' });
  });

  it('stops at the end of the list', async () => {
    const { api, calls } = fakeApi([{ items: 2, next: null }]);
    expect(await fetchBatchesPage(api, params, 'start')).toMatchObject({ nextCursor: null });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.['cursor']).toBe('start');
  });
});
