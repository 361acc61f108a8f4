/**
 * One schedule (PRODUCT §6): what it runs and when, its next fire in its timezone and the
 * organisation's, the preview (next fire times, what a run would do now), its recent runs with
 * their outcome and reason (ran, skipped late, skipped overlap…), and what may be done with it now:
 * edit until it runs (a recurring one unless processing), pause, resume, cancel — optionally saving
 * it as a template. Refreshes by itself: runs arrive from the scheduler.
 */
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Table from '@cloudscape-design/components/table';
import { useState } from 'react';
import { useParams } from 'react-router';

import type { ScheduleRun } from '../../api/models';
import { ConfirmModal } from '../../common/confirm';
import { formatTime, personLabel } from '../../common/labels';
import { RouterLink, useFollow } from '../../common/links';
import { useIdentity } from '../../common/session';
import { usePageTitle } from '../../common/shell';
import { tableLabels } from '../../common/strings';
import { TableEmptyState } from '../../common/table-states';
import { useOrganisation } from '../../hooks/organisation';
import { useCancelSchedule, usePauseSchedule, useResumeSchedule, useSchedule, useSchedulePreview } from '../../hooks/schedules';
import { scheduleAction, UPCOMING_STATES, type Action } from './schedule-actions';
import { describeConfig, KIND_LABEL } from './schedule-form';
import { FireTime, PreviewView, RunOutcome, ScheduleStatus } from './schedule-views';

function RecentRuns({ runs, timezone }: { runs: ScheduleRun[]; timezone: string }) {
  return (
    <Table
      ariaLabels={tableLabels('Recent runs')}
      header={<Header variant="h2" counter={`(${runs.length})`} description="Newest first; a skipped run says why.">Recent runs</Header>}
      items={runs}
      trackBy="scheduled_for"
      columnDefinitions={[
        { id: 'for', header: 'Scheduled for', cell: (run) => <FireTime iso={run.scheduled_for} timezone={timezone} organisationTimezone={undefined} />, isRowHeader: true },
        { id: 'outcome', header: 'Outcome', cell: (run) => <RunOutcome run={run} /> },
        { id: 'detail', header: 'Reason / detail', cell: (run) => run.detail || '-' },
        { id: 'batch', header: 'Batch', cell: (run) => (run.batch_id ? <RouterLink href={`/batches/${run.batch_id}`}>{run.batch_id}</RouterLink> : run.cards !== null ? `${run.cards} card(s)` : '-') },
        { id: 'started', header: 'Fired at', cell: (run) => formatTime(run.started_at) },
      ]}
      empty={<TableEmptyState title="No runs yet" body="Runs appear here as the schedule fires." />}
    />
  );
}

export default function ScheduleDetailPage() {
  const { scheduleId = '' } = useParams();
  const who = useIdentity();
  const follow = useFollow();
  const query = useSchedule(scheduleId);
  const schedule = query.data;
  const organisation = useOrganisation();
  const upcoming = schedule ? UPCOMING_STATES.includes(schedule.state) : false;
  const preview = useSchedulePreview(scheduleId, upcoming);
  const pause = usePauseSchedule();
  const resume = useResumeSchedule();
  const cancel = useCancelSchedule();
  const [dialog, setDialog] = useState<'pause' | 'cancel' | null>(null);
  const [saveAsTemplate, setSaveAsTemplate] = useState(false);
  const [templateName, setTemplateName] = useState('');
  usePageTitle([
    { text: 'Schedules', href: '/schedules' },
    { text: schedule?.name ?? scheduleId, href: `/schedules/${scheduleId}` },
  ]);
  if (!schedule) return query.isPending ? <Spinner size="large" /> : <Box>The schedule could not be loaded.</Box>;
  const allowed = (action: Action) => scheduleAction(action, schedule, who);
  const close = () => setDialog(null);
  const organisationTimezone = organisation.data?.timezone;
  const edit = allowed('edit');
  const pausing = allowed('pause');
  const resuming = allowed('resume');
  const cancelling = allowed('cancel');
  return (
    <SpaceBetween size="l">
      <Header
        variant="h1"
        description={
          <span role="status" aria-label="Schedule status">
            <ScheduleStatus status={schedule.status} />
          </span>
        }
        actions={
          <SpaceBetween direction="horizontal" size="xs">
            <Button href={`/schedules/${schedule.id}/edit`} onFollow={follow} disabled={!edit.allowed} disabledReason={edit.reason}>
              Edit
            </Button>
            {schedule.state === 'recurring_paused' ? (
              <Button onClick={() => resume.mutate(schedule.id)} loading={resume.isPending} disabled={!resuming.allowed} disabledReason={resuming.reason}>
                Resume
              </Button>
            ) : (
              <Button onClick={() => setDialog('pause')} disabled={!pausing.allowed} disabledReason={pausing.reason}>
                Pause
              </Button>
            )}
            <Button onClick={() => setDialog('cancel')} disabled={!cancelling.allowed} disabledReason={cancelling.reason}>
              Cancel schedule
            </Button>
          </SpaceBetween>
        }
      >
        {schedule.name}
      </Header>
      <Container header={<Header variant="h2">Configuration</Header>}>
        <KeyValuePairs
          columns={3}
          items={[
            { label: 'Kind', value: KIND_LABEL[schedule.config.kind] },
            { label: 'Runs', value: describeConfig(schedule.config) },
            { label: 'Timing', value: schedule.timing.description },
            { label: 'Timezone', value: schedule.timing.timezone },
            { label: 'Next fire', value: <FireTime iso={schedule.next_fire} timezone={schedule.timing.timezone} organisationTimezone={organisationTimezone} /> },
            { label: 'Runs so far', value: String(schedule.runs) },
            { label: 'Created', value: `${formatTime(schedule.created_at)} by ${personLabel(schedule.created_by, schedule.created_by_email)}` },
            { label: 'Standing approval', value: schedule.standing_approval_by ? personLabel(schedule.standing_approval_by, schedule.standing_approval_email) : 'None' },
            { label: 'Expression', value: schedule.timing.expression ?? '-' },
          ]}
        />
      </Container>
      {upcoming && (
        <Container header={<Header variant="h2" description="Asked of the API now.">Preview</Header>}>
          {preview.data ? <PreviewView preview={preview.data} organisationTimezone={organisationTimezone} /> : <Spinner />}
        </Container>
      )}
      <RecentRuns runs={schedule.recent_runs} timezone={schedule.timing.timezone} />
      {dialog === 'pause' && (
        <ConfirmModal visible title={`Pause "${schedule.name}"?`} confirmLabel="Pause" busy={pause.isPending} onCancel={close} onConfirm={() => pause.mutate(schedule.id, { onSuccess: close })}>
          It stays in Upcoming and fires nothing until it is resumed; the times it misses meanwhile are not made up.
        </ConfirmModal>
      )}
      {dialog === 'cancel' && (
        <ConfirmModal
          visible
          title={`Cancel "${schedule.name}"?`}
          confirmLabel="Cancel schedule"
          busy={cancel.isPending}
          onCancel={close}
          onConfirm={() => cancel.mutate({ scheduleId: schedule.id, saveAsTemplate, templateName }, { onSuccess: close })}
        >
          <SpaceBetween size="m">
            <Box>It will not fire again and leaves Upcoming{schedule.processing ? '; the run in progress goes on' : ''}. This cannot be undone.</Box>
            <Checkbox checked={saveAsTemplate} onChange={({ detail }) => setSaveAsTemplate(detail.checked)}>
              Save as template (to start a schedule from it later)
            </Checkbox>
            {saveAsTemplate && (
              <FormField label="Template name" controlId="template-name" description="Empty: the schedule's name.">
                <Input controlId="template-name" value={templateName} onChange={({ detail }) => setTemplateName(detail.value)} />
              </FormField>
            )}
          </SpaceBetween>
        </ConfirmModal>
      )}
    </SpaceBetween>
  );
}
