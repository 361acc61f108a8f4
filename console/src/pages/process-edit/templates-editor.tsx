/**
 * The channel templates (Jinja2) with a live preview rendered by the API from the process's example
 * row (POST /processes/{id}/preview), each part's error shown under that part as the API words it.
 * The email HTML preview is a sandboxed frame, like the dry run's.
 */
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Textarea from '@cloudscape-design/components/textarea';
import { useEffect, useState } from 'react';

import { problemsOf } from '../../api/errors';
import type { Process, Templates } from '../../api/models';
import { LABELS } from '../../common/strings';
import { useReplaceTemplates, useTemplatePreview } from '../../hooks/processes';
import { EmailFrame } from '../batch-detail/dry-run';

const DEBOUNCE_MS = 400;

interface Draft {
  email: boolean;
  subject: string;
  text: string;
  html: string;
  sms: boolean;
  smsText: string;
}

export function draftOf(templates: Templates | undefined): Draft {
  return {
    email: Boolean(templates?.email),
    subject: templates?.email?.subject ?? '',
    text: templates?.email?.text ?? '',
    html: templates?.email?.html ?? '',
    sms: Boolean(templates?.sms),
    smsText: templates?.sms?.text ?? '',
  };
}

export function templatesOf(draft: Draft): Templates {
  return {
    email: draft.email ? { subject: draft.subject, text: draft.text, html: draft.html.trim() ? draft.html : null } : null,
    sms: draft.sms ? { text: draft.smsText } : null,
  };
}

/** A part can be previewed once it has text (the API refuses empty subjects and bodies). */
function previewable(draft: Draft): Templates | null {
  if (draft.email && (!draft.subject.trim() || !draft.text.trim())) return null;
  if (draft.sms && !draft.smsText.trim()) return null;
  return templatesOf(draft);
}

function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function TemplatesEditor({ process }: { process: Process }) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(process.templates));
  const set = (change: Partial<Draft>) => setDraft((current) => ({ ...current, ...change }));
  const wanted = useDebounced(previewable(draft), DEBOUNCE_MS);
  const preview = useTemplatePreview(process.id, wanted);
  const save = useReplaceTemplates();
  const errors = new Map((preview.data?.errors ?? []).map((error) => [error.part, error.message]));
  const saveProblems = problemsOf(save.error);
  const changed = JSON.stringify(templatesOf(draft)) !== JSON.stringify(templatesOf(draftOf(process.templates)));
  const shown = preview.data;

  return (
    <Container
      header={
        <Header
          variant="h2"
          description="Jinja2, in a sandbox: the fields by name, and link, unsubscribe_url, batch_name and organisation. The preview uses the example file's row."
          actions={
            <Button
              variant="primary"
              disabled={!changed || (!draft.email && !draft.sms && process.state === 'live')}
              loading={save.isPending}
              onClick={() => save.mutate({ processId: process.id, templates: templatesOf(draft) })}
            >
              Save templates
            </Button>
          }
        >
          Templates
        </Header>
      }
    >
      <SpaceBetween size="l">
        {saveProblems.length > 0 && (
          <Alert type="error" header="The templates were not saved">
            {saveProblems.join('; ')}
          </Alert>
        )}
        <ColumnLayout columns={2} variant="text-grid">
          <SpaceBetween size="m">
            <Checkbox checked={draft.email} onChange={({ detail }) => set({ email: detail.checked })}>
              Send by email
            </Checkbox>
            {draft.email && (
              <>
                <FormField label="Email subject" controlId="template-subject" errorText={errors.get('email subject')}>
                  <Input controlId="template-subject" value={draft.subject} onChange={({ detail }) => set({ subject: detail.value })} />
                </FormField>
                <FormField label="Email text" description="The plain-text body (every email has one)." controlId="template-text" errorText={errors.get('email text')}>
                  <Textarea controlId="template-text" rows={6} value={draft.text} onChange={({ detail }) => set({ text: detail.value })} />
                </FormField>
                <FormField label="Email HTML" description="Optional; values are HTML-escaped." controlId="template-html" errorText={errors.get('email html')}>
                  <Textarea controlId="template-html" rows={6} value={draft.html} onChange={({ detail }) => set({ html: detail.value })} />
                </FormField>
              </>
            )}
            <Checkbox checked={draft.sms} onChange={({ detail }) => set({ sms: detail.checked })}>
              Send by SMS
            </Checkbox>
            {draft.sms && (
              <FormField label="SMS text" controlId="template-sms" errorText={errors.get('sms text')}>
                <Textarea controlId="template-sms" rows={3} value={draft.smsText} onChange={({ detail }) => set({ smsText: detail.value })} />
              </FormField>
            )}
          </SpaceBetween>
          <SpaceBetween size="s">
            <Box variant="h3">
              Preview{' '}
              <span role="status" aria-live="polite">
                {preview.isFetching ? <StatusIndicator type="loading">Rendering</StatusIndicator> : null}
              </span>
            </Box>
            {!wanted && <Box color="text-body-secondary">Fill in the subject and the bodies to see them rendered.</Box>}
            {wanted && shown?.email && (
              <SpaceBetween size="xs">
                <Box variant="awsui-key-label">Email subject</Box>
                <Box>{shown.email.subject ?? '—'}</Box>
                {shown.email.html !== null && <EmailFrame html={shown.email.html} title={LABELS.processes.previewFrame} />}
                <Box variant="awsui-key-label">Email text</Box>
                <pre className="message-text">{shown.email.text ?? '—'}</pre>
              </SpaceBetween>
            )}
            {wanted && shown?.sms && (
              <SpaceBetween size="xs">
                <Box variant="awsui-key-label">SMS</Box>
                <pre className="message-text">{shown.sms.text ?? '—'}</pre>
              </SpaceBetween>
            )}
            {wanted && shown && shown.errors.length > 0 && (
              <StatusIndicator type="error">{`${shown.errors.length} part${shown.errors.length === 1 ? '' : 's'} did not render; see the messages under them.`}</StatusIndicator>
            )}
          </SpaceBetween>
        </ColumnLayout>
      </SpaceBetween>
    </Container>
  );
}
