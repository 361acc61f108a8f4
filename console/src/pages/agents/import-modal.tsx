/**
 * Importing agents from a CSV or Excel file (created or updated by login email): the file goes to
 * the API base64-encoded in the JSON body; the answer counts what was done and lists the rows that
 * were not applied, each with its column and reason.
 */
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FileUpload from '@cloudscape-design/components/file-upload';
import FormField from '@cloudscape-design/components/form-field';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useState } from 'react';

import type { AgentImportResult } from '../../api/models';
import { plural } from '../../common/labels';
import { tableLabels } from '../../common/strings';
import { useImportAgents } from '../../hooks/agents';

export async function base64Of(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let start = 0; start < bytes.length; start += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(start, start + 0x8000));
  }
  return btoa(binary);
}

function Outcome({ result }: { result: AgentImportResult }) {
  return (
    <SpaceBetween size="s">
      <Box>{`${plural(result.rows, 'row')} read: ${result.created} created, ${result.updated} updated, ${plural(result.errors.length, 'row')} not applied.`}</Box>
      {result.errors.length > 0 && (
        <Table
          variant="embedded"
          ariaLabels={tableLabels('Rows not applied')}
          columnDefinitions={[
            { id: 'row', header: 'Row', cell: (error) => error.row, isRowHeader: true },
            { id: 'column', header: 'Column', cell: (error) => error.column ?? '-' },
            { id: 'message', header: 'Reason', cell: (error) => error.message },
          ]}
          items={result.errors}
        />
      )}
    </SpaceBetween>
  );
}

export function ImportModal({ onClose }: { onClose: () => void }) {
  const importAgents = useImportAgents();
  const [files, setFiles] = useState<File[]>([]);
  const file = files[0];
  const submit = async () => {
    if (!file) return;
    importAgents.mutate({ file_name: file.name, content_base64: await base64Of(file) });
  };
  return (
    <Modal
      visible
      size="large"
      onDismiss={onClose}
      header="Import agents"
      closeAriaLabel="Close dialog"
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Close
            </Button>
            <Button variant="primary" disabled={!file} loading={importAgents.isPending} onClick={() => void submit()}>
              Import
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m">
        <FormField
          label="Agents file"
          description="CSV or Excel: email and name, and optionally user_id, work_phone, work_email, available, groups (ids, separated by ; or ,) and a filter:<field> column per card field (=value, in:a|b, min..max). Agents are created or updated by email."
        >
          <FileUpload
            value={files}
            onChange={({ detail }) => setFiles(detail.value)}
            accept=".csv,.tsv,.txt,.xlsx"
            i18nStrings={{
              uploadButtonText: () => 'Choose file',
              dropzoneText: () => 'Drop the file here',
              removeFileAriaLabel: (index) => `Remove file ${index + 1}`,
              limitShowFewer: 'Show fewer files',
              limitShowMore: 'Show more files',
              errorIconAriaLabel: 'Error',
              warningIconAriaLabel: 'Warning',
            }}
            constraintText="Up to 5 MB."
          />
        </FormField>
        {importAgents.data && <Outcome result={importAgents.data} />}
      </SpaceBetween>
    </Modal>
  );
}
