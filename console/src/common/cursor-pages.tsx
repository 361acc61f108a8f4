/**
 * Paging through a list the API answers a page at a time with `next_cursor`: the cursors of the
 * pages reached so far are kept (the current page's last), so going back needs no request the
 * cache does not already hold, and going forward asks for the next cursor's page.
 */
import Pagination from '@cloudscape-design/components/pagination';
import { useState, type ReactElement } from 'react';

import { paginationLabels } from './strings';

export interface CursorPages {
  /** The cursor of the page shown (null: the first). */
  cursor: string | null;
  /** Back to the first page (the list's filter changed). */
  reset: () => void;
  /** The table's pagination, given the shown page's `next_cursor`. */
  pagination: (next: string | null) => ReactElement;
}

export function useCursorPages(): CursorPages {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const page = cursors.length - 1;
  return {
    cursor: cursors[page] ?? null,
    reset: () => setCursors([null]),
    pagination: (next) => (
      <Pagination
        ariaLabels={paginationLabels}
        currentPageIndex={page + 1}
        pagesCount={next ? page + 2 : page + 1}
        openEnd={Boolean(next)}
        onChange={({ detail }) => {
          const index = detail.currentPageIndex - 1;
          if (index > page && next) setCursors([...cursors, next]);
          else if (index < page) setCursors(cursors.slice(0, index + 1));
        }}
      />
    ),
  };
}
