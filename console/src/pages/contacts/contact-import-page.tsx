/**
 * Importing contacts (PRODUCT §8): a CSV or Excel file uploaded with the import's pre-signed POST
 * (with progress), then the import watched to its outcome — created, updated and rejected rows,
 * the reason of a rejected file, and the row-error CSV.
 */
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import FileUpload from '@cloudscape-design/components/file-upload';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useState } from 'react';

import { messageOf } from '../../api/errors';
import type { ContactImport } from '../../api/models';
import { uploadFile } from '../../common/files';
import { useFollow } from '../../common/links';
import { usePageTitle } from '../../common/shell';
import { fileUploadStrings } from '../../common/strings';
import { useCreateImport, useImport } from '../../hooks/contacts';
import { ACCEPTED_FILES } from '../new-batch/new-batch-page';

function ImportOutcome({ found }: { found: ContactImport }) {
  const done = found.status === 'done';
  return (
    <SpaceBetween size="m">
      <span role="status" aria-label="Import status">
        {found.status === 'invalid' ? (
          <StatusIndicator type="error">The file was rejected</StatusIndicator>
        ) : done ? (
          <StatusIndicator type="success">Imported</StatusIndicator>
        ) : (
          <StatusIndicator type="in-progress">{found.status === 'uploading' ? 'Waiting for the file' : 'Importing'}</StatusIndicator>
        )}
      </span>
      {found.status_reason && <Alert type={found.status === 'invalid' ? 'error' : 'info'}>{found.status_reason}</Alert>}
      <KeyValuePairs
        columns={4}
        items={[
          { label: 'Rows read', value: String(found.rows) },
          { label: 'Created', value: String(found.created) },
          { label: 'Updated', value: String(found.updated) },
          { label: 'Rejected rows', value: String(found.rejected) },
        ]}
      />
      {Object.keys(found.attributes).length > 0 && (
        <Box>Attributes: {Object.entries(found.attributes).map(([name, type]) => `${name} (${type})`).join(', ')}</Box>
      )}
      {found.errors && (
        <Button iconName="download" href={found.errors.url} target="_blank">
          Row errors (CSV)
        </Button>
      )}
    </SpaceBetween>
  );
}

export default function ContactImportPage() {
  usePageTitle([
    { text: 'Contacts', href: '/contacts' },
    { text: 'Import', href: '/contacts/import' },
  ]);
  const follow = useFollow();
  const [files, setFiles] = useState<File[]>([]);
  const [percent, setPercent] = useState<number | null>(null);
  const [importId, setImportId] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const create = useCreateImport();
  const found = useImport(importId);
  const file = files[0];
  const submit = async () => {
    if (!file) return;
    setProblem(null);
    try {
      const started = await create.mutateAsync(file.name);
      setPercent(0);
      await uploadFile(started.upload, file, setPercent);
      setImportId(started.id);
    } catch (error) {
      setProblem(messageOf(error));
      setPercent(null);
    }
  };
  const busy = create.isPending || (percent !== null && importId === null);
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <Form
        header={
          <Header variant="h1" description="Contacts are created or updated by their external_id. Columns other than the known ones become typed attributes (age:number declares a type).">
            Import contacts
          </Header>
        }
        errorText={problem}
        actions={
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" href="/contacts" onFollow={follow}>
              {importId ? 'Back to contacts' : 'Cancel'}
            </Button>
            <Button variant="primary" formAction="submit" loading={busy} disabled={!file || importId !== null}>
              Upload and import
            </Button>
          </SpaceBetween>
        }
      >
        <SpaceBetween size="l">
          <Container>
            <SpaceBetween size="m">
              <FormField label="Contacts file" description="CSV or Excel with an external_id column; first_name, last_name, email, phone, address columns and tags (separated by ;).">
                <FileUpload
                  value={files}
                  onChange={({ detail }) => setFiles(detail.value.slice(0, 1))}
                  accept={ACCEPTED_FILES}
                  showFileSize
                  i18nStrings={fileUploadStrings}
                />
              </FormField>
              {percent !== null && <ProgressBar value={percent} label="Upload progress" ariaLabel="Upload progress" description={file ? `Uploading ${file.name}` : undefined} />}
            </SpaceBetween>
          </Container>
          {found.data && (
            <Container header={<Header variant="h2">{found.data.file_name}</Header>}>
              <ImportOutcome found={found.data} />
            </Container>
          )}
        </SpaceBetween>
      </Form>
    </form>
  );
}
