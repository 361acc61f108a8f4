/**
 * New batch (PRODUCT §2, §11): choose a live process, download its example file, name the batch,
 * choose auto distribution, upload a CSV or Excel file with a progress bar (the batch's pre-signed
 * POST), then watch validation: the outcome, the reason of a rejected file, the rejected rows.
 */
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import FileUpload from '@cloudscape-design/components/file-upload';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Toggle from '@cloudscape-design/components/toggle';
import { useState } from 'react';
import { useSearchParams } from 'react-router';

import { messageOf } from '../../api/errors';
import { saveFile, uploadFile } from '../../common/files';
import { useFollow } from '../../common/links';
import { useNotifications } from '../../common/notifications';
import { useApi } from '../../common/session';
import { usePageTitle } from '../../common/shell';
import { fileUploadStrings, LABELS } from '../../common/strings';
import { useCreateBatch } from '../../hooks/batches';
import { exampleFile, useProcesses } from '../../hooks/processes';
import { ValidationOutcome } from './validation-outcome';

export const ACCEPTED_FILES = '.csv,.tsv,.txt,.xlsx,.xls,.ods,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

type Stage = { kind: 'editing' } | { kind: 'uploading'; percent: number } | { kind: 'watching'; batchId: string; fileName: string };

export default function NewBatchPage() {
  usePageTitle([
    { text: 'Batches', href: '/batches' },
    { text: 'New batch', href: '/batches/new' },
  ]);
  const api = useApi();
  const follow = useFollow();
  const { notify } = useNotifications();
  const [query] = useSearchParams();
  const processes = useProcesses();
  const live = (processes.data ?? []).filter((process) => process.state === 'live');
  const [processId, setProcessId] = useState<string | null>(query.get('process'));
  const [name, setName] = useState('');
  const [autoDistribute, setAutoDistribute] = useState(true);
  const [files, setFiles] = useState<File[]>([]);
  const [stage, setStage] = useState<Stage>({ kind: 'editing' });
  const [problem, setProblem] = useState<string | null>(null);
  const create = useCreateBatch();
  const process = live.find((item) => item.id === processId) ?? null;
  const file = files[0];

  const download = async (format: 'csv' | 'xlsx') => {
    if (!process) return;
    try {
      saveFile(await exampleFile(api, process.id, format), `${process.name}-example.${format}`);
    } catch (error) {
      notify({ type: 'error', content: messageOf(error) });
    }
  };

  const submit = async () => {
    if (!process || !file) return;
    setProblem(null);
    try {
      const created = await create.mutateAsync({
        process_id: process.id,
        file_name: file.name,
        name: name.trim() || undefined,
        auto_distribute: autoDistribute,
      });
      setStage({ kind: 'uploading', percent: 0 });
      await uploadFile(created.upload, file, (percent) => setStage({ kind: 'uploading', percent }));
      setStage({ kind: 'watching', batchId: created.id, fileName: file.name });
    } catch (error) {
      setProblem(messageOf(error));
      setStage({ kind: 'editing' });
    }
  };

  if (stage.kind === 'watching') {
    const another = () => {
      setFiles([]);
      setName('');
      setStage({ kind: 'editing' });
    };
    return <ValidationOutcome batchId={stage.batchId} fileName={stage.fileName} onAnother={another} />;
  }

  const busy = stage.kind === 'uploading' || create.isPending;
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <Form
        header={<Header variant="h1" description="Upload a recipients file: every accepted row becomes a card, sent after approval.">New batch</Header>}
        errorText={problem}
        actions={
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" href="/batches" onFollow={follow} disabled={busy}>
              Cancel
            </Button>
            <Button variant="primary" formAction="submit" loading={busy} disabled={!process || !file}>
              {LABELS.newBatch.upload}
            </Button>
          </SpaceBetween>
        }
      >
        <SpaceBetween size="l">
          <Container header={<Header variant="h2">Process</Header>}>
            <SpaceBetween size="m">
              <FormField
                label={LABELS.newBatch.process}
                description="What the cards link to. Only live processes accept batches."
                controlId="new-batch-process"
              >
                <Select
                  controlId="new-batch-process"
                  selectedOption={process ? { value: process.id, label: process.name } : null}
                  options={live.map((item) => ({ value: item.id, label: item.name, description: `${item.fields.length} fields` }))}
                  onChange={({ detail }) => setProcessId(detail.selectedOption.value ?? null)}
                  placeholder="Choose a process"
                  statusType={processes.isPending ? 'loading' : processes.isError ? 'error' : 'finished'}
                  loadingText="Loading processes"
                  errorText="The processes could not be loaded."
                  empty="No live process yet: an admin publishes one under Processes."
                  disabled={busy}
                />
              </FormField>
              {process && (
                <FormField label="Example file" description={`One column per field of "${process.name}", and one example row.`}>
                  <SpaceBetween direction="horizontal" size="xs">
                    <Button iconName="download" ariaLabel={LABELS.newBatch.exampleCsv} onClick={() => void download('csv')}>
                      CSV
                    </Button>
                    <Button iconName="download" ariaLabel={LABELS.newBatch.exampleXlsx} onClick={() => void download('xlsx')}>
                      Excel
                    </Button>
                  </SpaceBetween>
                </FormField>
              )}
            </SpaceBetween>
          </Container>
          <Container header={<Header variant="h2">Batch</Header>}>
            <SpaceBetween size="m">
              <FormField label={LABELS.newBatch.name} description="Optional: the file's name is used when empty." controlId="new-batch-name">
                <Input controlId="new-batch-name" value={name} onChange={({ detail }) => setName(detail.value)} disabled={busy} />
              </FormField>
              <FormField
                label="Auto distribution"
                description="On: every card is sent as soon as the batch is approved. Off: cards wait to be sent one by one or with “Send remaining”. Needs an email column."
              >
                <Toggle checked={autoDistribute} onChange={({ detail }) => setAutoDistribute(detail.checked)} disabled={busy}>
                  {LABELS.newBatch.autoDistribute}
                </Toggle>
              </FormField>
              <FormField
                label={LABELS.newBatch.file}
                description="CSV (comma, semicolon, tab or pipe) or Excel; the first row names the columns."
              >
                <FileUpload
                  value={files}
                  onChange={({ detail }) => setFiles(detail.value.slice(0, 1))}
                  accept={ACCEPTED_FILES}
                  showFileSize
                  showFileLastModified
                  i18nStrings={fileUploadStrings}
                />
              </FormField>
              {stage.kind === 'uploading' && (
                <ProgressBar
                  value={stage.percent}
                  label={LABELS.newBatch.progress}
                  description={file ? `Uploading ${file.name}` : undefined}
                  ariaLabel={LABELS.newBatch.progress}
                />
              )}
              {!live.length && processes.isSuccess && (
                <Box color="text-status-warning">No live process yet: an admin publishes one under Processes.</Box>
              )}
            </SpaceBetween>
          </Container>
        </SpaceBetween>
      </Form>
    </form>
  );
}
