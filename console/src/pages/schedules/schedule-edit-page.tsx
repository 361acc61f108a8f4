/**
 * The schedule editor (PRODUCT §6): what runs (a distribution from a file prefix or a contact
 * filter, sending an approved batch, or a retrieval), when (immediately, once at a date and time,
 * or recurring hourly, daily, weekly on some weekdays, monthly on a day or the last day, or cron),
 * in which timezone, with a standing approval or not; the preview before saving (the API resolves
 * the draft as it would on save: its next fire times and what a run would do now). New, from a
 * saved template (`?template=`), or editing an entry until it runs.
 */
import Alert from '@cloudscape-design/components/alert';
import Autosuggest from '@cloudscape-design/components/autosuggest';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import Container from '@cloudscape-design/components/container';
import DatePicker from '@cloudscape-design/components/date-picker';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import RadioGroup from '@cloudscape-design/components/radio-group';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Textarea from '@cloudscape-design/components/textarea';
import TimeInput from '@cloudscape-design/components/time-input';
import Toggle from '@cloudscape-design/components/toggle';
import { useMemo, useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router';

import { messageOf, problemsOf } from '../../api/errors';
import type { CommunicationChannel, DraftPreview, ScheduleConfig, When } from '../../api/models';
import { atLeast } from '../../auth/identity';
import { useFollow } from '../../common/links';
import { useIdentity } from '../../common/session';
import { usePageTitle } from '../../common/shell';
import { useBatchesPage } from '../../hooks/batches';
import { useOrganisation } from '../../hooks/organisation';
import { useProcesses } from '../../hooks/processes';
import { useCreateSchedule, useDraftPreview, useEditSchedule, useSchedule, useScheduleTemplates } from '../../hooks/schedules';
import {
  EMPTY_CONFIG,
  EMPTY_TIMING,
  FREQUENCIES,
  fromConfig,
  fromWhen,
  KIND_LABEL,
  toConfig,
  toWhen,
  WEEKDAYS,
  type ConfigForm,
  type Kind,
  type TimingForm,
} from './schedule-form';
import { PreviewView } from './schedule-views';

const TIMEZONES: string[] = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
const MONTH_DAYS = [...Array.from({ length: 28 }, (_, index) => String(index + 1)), 'last'];
const CHANNELS: CommunicationChannel[] = ['email', 'sms', 'letter'];
const APPROVED = { statuses: ['approved', 'partially_sent'] as const, search: '', sort: 'created' as const, order: 'desc' as const, pageSize: 100 };

interface Loaded {
  name: string;
  config: ConfigForm;
  timing: TimingForm;
}

function EditorForm({ scheduleId, templateId, initial }: { scheduleId: string | null; templateId: string | null; initial: Loaded }) {
  const navigate = useNavigate();
  const follow = useFollow();
  const who = useIdentity();
  const organisation = useOrganisation();
  const processes = useProcesses();
  const approvedBatches = useBatchesPage({ ...APPROVED, statuses: [...APPROVED.statuses] }, null);
  const [name, setName] = useState(initial.name);
  const [config, setConfig] = useState<ConfigForm>(initial.config);
  const [timing, setTiming] = useState<TimingForm>(initial.timing);
  const [preview, setPreview] = useState<DraftPreview | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const draftPreview = useDraftPreview();
  const create = useCreateSchedule();
  const edit = useEditSchedule();
  const editing = scheduleId !== null;
  const live = (processes.data ?? []).filter((process) => process.state === 'live');
  const process = live.find((item) => item.id === config.processId) ?? null;
  const templateSets = Object.keys(process?.template_sets ?? {});
  const organisationTimezone = organisation.data?.timezone;

  const change = (update: Partial<ConfigForm>) => {
    setConfig((current) => ({ ...current, ...update }));
    setPreview(null);
  };
  const changeTiming = (update: Partial<TimingForm>) => {
    setTiming((current) => ({ ...current, ...update }));
    setPreview(null);
  };

  const read = (): { config: ScheduleConfig; when: When } | null => {
    const readConfig = toConfig(config);
    if (!readConfig.ok) {
      setProblem(readConfig.problem);
      return null;
    }
    const readWhen = toWhen(timing);
    if (!readWhen.ok) {
      setProblem(readWhen.problem);
      return null;
    }
    setProblem(null);
    return { config: readConfig.value, when: readWhen.value };
  };

  const runPreview = () => {
    const draft = read();
    if (!draft) return;
    draftPreview.mutate(draft, {
      onSuccess: setPreview,
      onError: (error) => setProblem([messageOf(error), ...problemsOf(error)].join(' ')),
    });
  };

  const save = async () => {
    const draft = read();
    if (!draft) return;
    if (!name.trim()) {
      setProblem('Give the schedule a name.');
      return;
    }
    try {
      const saved = editing
        ? await edit.mutateAsync({ scheduleId, body: { name: name.trim(), config: draft.config, when: draft.when } })
        : await create.mutateAsync({ name: name.trim(), config: draft.config, when: draft.when, template_id: templateId });
      void navigate(`/schedules/${saved.id}`);
    } catch (error) {
      setProblem([messageOf(error), ...problemsOf(error)].join(' '));
    }
  };

  const busy = create.isPending || edit.isPending;
  const kinds: { value: Kind; label: string; description: string }[] = [
    { value: 'distribution', label: KIND_LABEL.distribution, description: 'Each run builds a new batch from the newest file under a prefix, or from a contact filter.' },
    { value: 'send_batch', label: KIND_LABEL.send_batch, description: 'Sends an approved batch at its time.' },
    { value: 'retrieval', label: KIND_LABEL.retrieval, description: 'Returns cards not worked for some days to the pool.' },
  ];
  const batchOptions = (approvedBatches.data?.items ?? []).map((batch) => ({ value: batch.id, label: batch.name, description: batch.sent_label }));
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <Form
        header={
          <Header variant="h1" description="Nothing runs until it is saved; the preview shows what it would do.">
            {editing ? `Edit "${initial.name}"` : 'New schedule'}
          </Header>
        }
        errorText={problem}
        errorIconAriaLabel="Error"
        actions={
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" href={editing ? `/schedules/${scheduleId}` : '/schedules'} onFollow={follow} disabled={busy}>
              Cancel
            </Button>
            <Button onClick={runPreview} loading={draftPreview.isPending} formAction="none">
              Preview
            </Button>
            <Button variant="primary" formAction="submit" loading={busy}>
              Save schedule
            </Button>
          </SpaceBetween>
        }
      >
        <SpaceBetween size="l">
          <Container header={<Header variant="h2">What runs</Header>}>
            <SpaceBetween size="m">
              <FormField label="Name" controlId="schedule-name">
                <Input controlId="schedule-name" value={name} onChange={({ detail }) => setName(detail.value)} />
              </FormField>
              <FormField label="Kind" description={editing ? 'The kind of a saved schedule does not change.' : undefined}>
                <RadioGroup
                  ariaLabel="Kind"
                  value={config.kind}
                  items={kinds.map((kind) => ({ ...kind, disabled: editing }))}
                  onChange={({ detail }) => change({ kind: detail.value as Kind })}
                />
              </FormField>
              {config.kind === 'distribution' && (
                <>
                  <FormField label="Process" controlId="schedule-process" description="The process of every batch it builds (a live one).">
                    <Select
                      controlId="schedule-process"
                      selectedOption={process ? { value: process.id, label: process.name } : null}
                      options={live.map((item) => ({ value: item.id, label: item.name }))}
                      onChange={({ detail }) => change({ processId: detail.selectedOption.value ?? '', template: '' })}
                      placeholder="Choose a process"
                      statusType={processes.isPending ? 'loading' : 'finished'}
                      loadingText="Loading processes"
                      empty="No live process yet."
                    />
                  </FormField>
                  <FormField label="Source">
                    <RadioGroup
                      ariaLabel="Source"
                      value={config.source}
                      items={[
                        { value: 'file', label: 'The newest file under a prefix', description: 'Files dropped in the bucket under sources/<organisation>/<prefix>.' },
                        { value: 'contacts', label: 'A contact filter', description: 'Each run is a communication of the contacts the filter matches then.' },
                      ]}
                      onChange={({ detail }) => change({ source: detail.value === 'contacts' ? 'contacts' : 'file' })}
                    />
                  </FormField>
                  {config.source === 'file' ? (
                    <FormField label="File prefix" controlId="schedule-prefix" description='For example "weekly/"; empty: the organisation’s folder.'>
                      <Input controlId="schedule-prefix" value={config.sourcePrefix} onChange={({ detail }) => change({ sourcePrefix: detail.value })} />
                    </FormField>
                  ) : (
                    <>
                      <FormField label="Contact filter" controlId="schedule-filter" description='JSON, as on the Contacts screen: {"tags_any": ["renewal"]}.'>
                        <Textarea controlId="schedule-filter" value={config.contactFilter} onChange={({ detail }) => change({ contactFilter: detail.value })} rows={3} />
                      </FormField>
                      <FormField label="Template set" controlId="schedule-template">
                        <Select
                          controlId="schedule-template"
                          selectedOption={{ value: config.template, label: config.template || 'Default templates' }}
                          options={[{ value: '', label: 'Default templates' }, ...templateSets.map((set) => ({ value: set, label: set }))]}
                          onChange={({ detail }) => change({ template: detail.selectedOption.value ?? '' })}
                        />
                      </FormField>
                      <FormField label="Due date" controlId="schedule-due" description="The template's due_date.">
                        <DatePicker controlId="schedule-due" value={config.dueDate} onChange={({ detail }) => change({ dueDate: detail.value })} placeholder="YYYY/MM/DD" openCalendarAriaLabel={() => 'Choose the due date'} />
                      </FormField>
                      <FormField label="Channels" description="None ticked: the email and SMS the template set has.">
                        <SpaceBetween direction="horizontal" size="m">
                          {CHANNELS.map((channel) => (
                            <Checkbox
                              key={channel}
                              checked={config.channels.includes(channel)}
                              onChange={({ detail }) =>
                                change({ channels: detail.checked ? [...config.channels, channel] : config.channels.filter((item) => item !== channel) })
                              }
                            >
                              {channel}
                            </Checkbox>
                          ))}
                        </SpaceBetween>
                      </FormField>
                    </>
                  )}
                  <FormField label="Batch name" controlId="schedule-batch-name" description="Each run's batch is named this and its date; empty: the schedule's name.">
                    <Input controlId="schedule-batch-name" value={config.batchName} onChange={({ detail }) => change({ batchName: detail.value })} />
                  </FormField>
                  <Toggle checked={config.autoDistribute} onChange={({ detail }) => change({ autoDistribute: detail.checked })}>
                    Send each batch automatically after approval
                  </Toggle>
                  <FormField
                    label="Standing approval"
                    description="You approve every run's batch in advance. Refused when four-eyes approval is on (another approver approves each run)."
                  >
                    <Toggle
                      checked={config.standingApproval}
                      onChange={({ detail }) => change({ standingApproval: detail.checked })}
                      disabled={!atLeast(who.role, 'approver')}
                    >
                      Approve every run's batch in advance
                    </Toggle>
                  </FormField>
                </>
              )}
              {config.kind === 'send_batch' && (
                <FormField label="Batch" controlId="schedule-batch" description="An approved batch; its ready cards are sent at the time.">
                  <Select
                    controlId="schedule-batch"
                    selectedOption={config.batchId ? batchOptions.find((option) => option.value === config.batchId) ?? { value: config.batchId, label: config.batchId } : null}
                    options={batchOptions}
                    onChange={({ detail }) => change({ batchId: detail.selectedOption.value ?? '' })}
                    placeholder="Choose an approved batch"
                    statusType={approvedBatches.isPending ? 'loading' : 'finished'}
                    loadingText="Loading batches"
                    empty="No approved batch."
                  />
                </FormField>
              )}
              {config.kind === 'retrieval' && (
                <FormField label="Idle days" controlId="schedule-idle" description="Cards assigned to agents and not worked for this many days go back to the pool.">
                  <Input controlId="schedule-idle" type="number" inputMode="numeric" value={config.idleDays} onChange={({ detail }) => change({ idleDays: detail.value })} />
                </FormField>
              )}
            </SpaceBetween>
          </Container>
          <Container header={<Header variant="h2">When</Header>}>
            <SpaceBetween size="m">
              <FormField label="Timing">
                <RadioGroup
                  ariaLabel="Timing"
                  value={timing.mode}
                  items={[
                    { value: 'immediate', label: 'Run immediately', disabled: editing },
                    { value: 'once', label: 'Once, at a date and time', disabled: editing && initial.timing.mode === 'recurring' },
                    { value: 'recurring', label: 'Recurring' },
                  ]}
                  onChange={({ detail }) => changeTiming({ mode: detail.value as TimingForm['mode'] })}
                />
              </FormField>
              {timing.mode !== 'immediate' && (
                <SpaceBetween direction="horizontal" size="l">
                  <FormField label={timing.mode === 'once' ? 'Date' : 'First date'} controlId="schedule-date">
                    <DatePicker
                      controlId="schedule-date"
                      value={timing.date}
                      onChange={({ detail }) => changeTiming({ date: detail.value })}
                      placeholder="YYYY/MM/DD"
                      openCalendarAriaLabel={() => 'Choose the date'}
                    />
                  </FormField>
                  <FormField label="Time (24-hour)" controlId="schedule-time">
                    <TimeInput controlId="schedule-time" format="hh:mm" placeholder="hh:mm" value={timing.time} onChange={({ detail }) => changeTiming({ time: detail.value })} />
                  </FormField>
                </SpaceBetween>
              )}
              {timing.mode === 'recurring' && (
                <>
                  <FormField label="Repeats" controlId="schedule-frequency">
                    <Select
                      controlId="schedule-frequency"
                      selectedOption={{ value: timing.frequency, label: timing.frequency }}
                      options={FREQUENCIES.map((frequency) => ({ value: frequency, label: frequency }))}
                      onChange={({ detail }) => changeTiming({ frequency: (detail.selectedOption.value ?? 'weekly') as TimingForm['frequency'] })}
                    />
                  </FormField>
                  {timing.frequency === 'weekly' && (
                    <FormField label="On">
                      <SpaceBetween direction="horizontal" size="m">
                        {WEEKDAYS.map((day) => (
                          <Checkbox
                            key={day}
                            checked={timing.weekdays.includes(day)}
                            onChange={({ detail }) =>
                              changeTiming({ weekdays: detail.checked ? [...timing.weekdays, day] : timing.weekdays.filter((item) => item !== day) })
                            }
                          >
                            {day}
                          </Checkbox>
                        ))}
                      </SpaceBetween>
                    </FormField>
                  )}
                  {timing.frequency === 'monthly' && (
                    <FormField label="Day of the month" controlId="schedule-month-day">
                      <Select
                        controlId="schedule-month-day"
                        selectedOption={{ value: timing.monthDay, label: timing.monthDay === 'last' ? 'Last day' : timing.monthDay }}
                        options={MONTH_DAYS.map((day) => ({ value: day, label: day === 'last' ? 'Last day' : day }))}
                        onChange={({ detail }) => changeTiming({ monthDay: detail.selectedOption.value ?? '1' })}
                      />
                    </FormField>
                  )}
                  {timing.frequency === 'cron' && (
                    <FormField label="Cron expression" controlId="schedule-cron" description="Six EventBridge fields, e.g. 0 6 ? * MON-FRI *">
                      <Input controlId="schedule-cron" value={timing.cron} onChange={({ detail }) => changeTiming({ cron: detail.value })} />
                    </FormField>
                  )}
                </>
              )}
              <FormField label="Timezone" controlId="schedule-timezone" description={`Empty: the organisation's (${organisationTimezone ?? '…'}).`}>
                <Autosuggest
                  clearAriaLabel="Clear"
                  controlId="schedule-timezone"
                  value={timing.timezone}
                  onChange={({ detail }) => changeTiming({ timezone: detail.value })}
                  options={TIMEZONES.map((zone) => ({ value: zone }))}
                  enteredTextLabel={(value) => `Use "${value}"`}
                  placeholder={organisationTimezone ?? 'Europe/Paris'}
                  empty="No such timezone"
                  ariaLabel="Timezone"
                />
              </FormField>
            </SpaceBetween>
          </Container>
          <Container header={<Header variant="h2" description="What saving would make of this, asked of the API; nothing is saved.">Preview</Header>}>
            {preview ? (
              <PreviewView preview={preview} organisationTimezone={organisationTimezone} />
            ) : (
              <Box color="text-body-secondary">Choose Preview to see the next fire times and what a run would do now.</Box>
            )}
          </Container>
        </SpaceBetween>
      </Form>
    </form>
  );
}

export default function ScheduleEditPage() {
  const { scheduleId = null } = useParams();
  const [query] = useSearchParams();
  const templateId = query.get('template');
  const existing = useSchedule(scheduleId ?? '');
  const templates = useScheduleTemplates();
  const template = templateId ? templates.data?.find((item) => item.id === templateId) : undefined;
  usePageTitle([
    { text: 'Schedules', href: '/schedules' },
    scheduleId
      ? { text: existing.data?.name ?? scheduleId, href: `/schedules/${scheduleId}` }
      : { text: 'New schedule', href: '/schedules/new' },
    ...(scheduleId ? [{ text: 'Edit', href: `/schedules/${scheduleId}/edit` }] : []),
  ]);
  const initial = useMemo<Loaded | null>(() => {
    if (scheduleId) {
      return existing.data ? { name: existing.data.name, config: fromConfig(existing.data.config), timing: fromWhen(existing.data.when) } : null;
    }
    if (templateId) {
      return template ? { name: template.name, config: fromConfig(template.config), timing: fromWhen(template.when) } : null;
    }
    return { name: '', config: EMPTY_CONFIG, timing: EMPTY_TIMING };
  }, [scheduleId, templateId, existing.data, template]);
  if (templateId && templates.isSuccess && !template) {
    return <Alert type="error">This template no longer exists.</Alert>;
  }
  if (!initial) return <Spinner size="large" />;
  return <EditorForm scheduleId={scheduleId} templateId={templateId} initial={initial} />;
}
