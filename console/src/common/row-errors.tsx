/**
 * A batch's rejected rows (PRODUCT §2.8): the first rows of the row-error report in a table, and
 * the whole report as a CSV download (a fresh pre-signed link each time it is asked for).
 */
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import Table from '@cloudscape-design/components/table';
import { useQuery } from '@tanstack/react-query';

import { unwrap } from '../api/client';
import { csvRecords } from './files';
import { plural } from './labels';
import { useApi } from './session';
import { LABELS, tableLabels } from './strings';

export const ROWS_SHOWN = 100;

type RowError = Record<string, string> & { key: string };

export function useRowErrors(batchId: string, enabled: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: ['batch', batchId, 'row-errors'],
    enabled,
    staleTime: 60_000,
    queryFn: async () => {
      const report = await unwrap(api.GET('/batches/{batch_id}/errors', { params: { path: { batch_id: batchId } } }));
      const response = await fetch(report.url);
      if (!response.ok) throw new Error(`the row-error report could not be read (HTTP ${response.status})`);
      const rows: RowError[] = csvRecords(await response.text())
        .slice(0, ROWS_SHOWN)
        .map((row, index) => ({ ...row, key: String(index) }));
      return { url: report.url, total: report.rows_rejected, rows };
    },
  });
}

export function RowErrors({ batchId, rejected }: { batchId: string; rejected: number }) {
  const errors = useRowErrors(batchId, rejected > 0);
  const shown = errors.data?.rows.length ?? 0;
  return (
    <Table
      variant="container"
      ariaLabels={tableLabels(LABELS.newBatch.rowErrors)}
      items={errors.data?.rows ?? []}
      trackBy="key"
      loading={errors.isPending && rejected > 0}
      loadingText="Loading the row errors"
      header={
        <Header
          counter={`(${rejected.toLocaleString()})`}
          description={shown < rejected ? `The first ${shown} of ${plural(rejected, 'rejected row')}; the CSV has them all.` : 'Every rejected row, with its line in your file.'}
          actions={
            errors.data ? (
              <Button href={errors.data.url} iconName="download" download>
                Download row errors (CSV)
              </Button>
            ) : undefined
          }
        >
          {LABELS.newBatch.rowErrors}
        </Header>
      }
      columnDefinitions={[
        { id: 'row', header: 'Row', cell: (row) => row['row'] ?? '', isRowHeader: true },
        { id: 'column', header: 'Column', cell: (row) => row['column'] || '-' },
        { id: 'code', header: 'Code', cell: (row) => <code>{row['code']}</code> },
        { id: 'message', header: 'Problem', cell: (row) => row['message'] ?? '' },
        { id: 'value', header: 'Value in the file', cell: (row) => row['value'] || '-' },
      ]}
      empty={<Box textAlign="center">No row was rejected.</Box>}
    />
  );
}
