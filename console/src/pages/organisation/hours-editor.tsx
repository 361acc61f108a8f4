/**
 * Business hours per weekday (intervals in local wall-clock time; a day without one is closed) and
 * holidays (whole local days closed), with the API's answer to "open now?" for the hours as edited.
 */
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import DatePicker from '@cloudscape-design/components/date-picker';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import TokenGroup from '@cloudscape-design/components/token-group';
import { useState } from 'react';

import type { HoursInterval } from '../../api/models';
import { useHoursCheck } from '../../hooks/organisation';
import { draftProblems, hoursOf, WEEKDAY_NAMES, WEEKDAYS, type HoursDraft, type Weekday } from './hours';

/** A UTC instant as the organisation's wall clock ("Tue 8 Dec, 09:00"). */
export function inZone(iso: string, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
}

function OpenNow({ draft, timezone }: { draft: HoursDraft; timezone: string }) {
  const hours = hoursOf(draft, timezone);
  const check = useHoursCheck(hours);
  let answer = <StatusIndicator type="warning">Correct the hours to see whether they are open now.</StatusIndicator>;
  if (hours && check.data) {
    const { open, next_open: nextOpen, next_close: nextClose } = check.data;
    answer = open ? (
      <StatusIndicator type="success">{`Open now${nextClose ? ` · closes ${inZone(nextClose, timezone)}` : ''}`}</StatusIndicator>
    ) : (
      <StatusIndicator type="stopped">{`Closed now · ${nextOpen ? `opens ${inZone(nextOpen, timezone)}` : 'never opens'}`}</StatusIndicator>
    );
  } else if (hours) {
    answer = <StatusIndicator type="loading">Checking</StatusIndicator>;
  }
  return (
    <Box>
      <Box variant="awsui-key-label">Open now?</Box>
      <div role="status" aria-label="Open now?">
        {answer}
      </div>
      <Box variant="small" color="text-body-secondary">
        {`By the service's clock, in ${timezone}; before saving.`}
      </Box>
    </Box>
  );
}

function DayRow({ day, intervals, problems, onChange }: { day: Weekday; intervals: HoursInterval[]; problems: string[] | undefined; onChange: (next: HoursInterval[]) => void }) {
  const name = WEEKDAY_NAMES[day];
  const set = (index: number, part: 'start' | 'end', value: string) =>
    onChange(intervals.map((interval, at) => (at === index ? { ...interval, [part]: value } : interval)));
  return (
    <FormField label={name} errorText={problems?.join(' ')} stretch>
      <SpaceBetween size="xs">
        {intervals.length === 0 && <Box color="text-status-inactive">Closed</Box>}
        {intervals.map((interval, index) => (
          <SpaceBetween key={index} direction="horizontal" size="xs" alignItems="center">
            <Input ariaLabel={`${name} interval ${index + 1} opens at`} placeholder="09:00" value={interval.start} onChange={({ detail }) => set(index, 'start', detail.value)} />
            <Box>to</Box>
            <Input ariaLabel={`${name} interval ${index + 1} closes at`} placeholder="17:00" value={interval.end} onChange={({ detail }) => set(index, 'end', detail.value)} />
            <Button variant="icon" iconName="remove" ariaLabel={`Remove ${name} interval ${index + 1}`} onClick={() => onChange(intervals.filter((_, at) => at !== index))} />
          </SpaceBetween>
        ))}
        <Button variant="inline-link" iconName="add-plus" ariaLabel={`Add an interval on ${name}`} onClick={() => onChange([...intervals, { start: '09:00', end: '17:00' }])}>
          Add interval
        </Button>
      </SpaceBetween>
    </FormField>
  );
}

export function HoursEditor({ draft, timezone, onChange }: { draft: HoursDraft; timezone: string; onChange: (draft: HoursDraft) => void }) {
  const [holiday, setHoliday] = useState('');
  const problems = draftProblems(draft);
  return (
    <Container
      header={
        <Header variant="h2" description={`Cards are handed to agents only while open, in the organisation's timezone (${timezone}); cards arriving outside wait in Unassigned.`}>
          Business hours
        </Header>
      }
    >
      <SpaceBetween size="l">
        <OpenNow draft={draft} timezone={timezone} />
        <ColumnLayout columns={2} variant="text-grid">
          {WEEKDAYS.map((day) => (
            <DayRow key={day} day={day} intervals={draft.weekly[day]} problems={problems[day]} onChange={(next) => onChange({ ...draft, weekly: { ...draft.weekly, [day]: next } })} />
          ))}
        </ColumnLayout>
        <FormField label="Holidays" description="Whole local days closed." errorText={problems.holidays?.join(' ')}>
          <SpaceBetween size="xs">
            <SpaceBetween direction="horizontal" size="xs">
              <DatePicker value={holiday} onChange={({ detail }) => setHoliday(detail.value)} placeholder="YYYY/MM/DD" ariaLabel="Holiday date" openCalendarAriaLabel={(selected) => `Choose a holiday${selected ? `, ${selected}` : ''}`} />
              <Button
                disabled={!holiday}
                onClick={() => {
                  onChange({ ...draft, holidays: [...new Set([...draft.holidays, holiday])].sort() });
                  setHoliday('');
                }}
              >
                Add holiday
              </Button>
            </SpaceBetween>
            <TokenGroup
              items={draft.holidays.map((day) => ({ label: day, dismissLabel: `Remove holiday ${day}` }))}
              onDismiss={({ detail }) => onChange({ ...draft, holidays: draft.holidays.filter((_, at) => at !== detail.itemIndex) })}
            />
          </SpaceBetween>
        </FormField>
      </SpaceBetween>
    </Container>
  );
}
