/**
 * What the schedule screens share: statuses and run outcomes in words, a fire time in the
 * schedule's timezone and the organisation's, and a preview (the next fire times and what a run
 * would do now) for a saved entry or a draft.
 */
import Box from '@cloudscape-design/components/box';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';

import type { DraftPreview, ScheduleRun } from '../../api/models';
import { RouterLink } from '../../common/links';
import { inZone } from './schedule-form';

interface Words {
  label: string;
  type: StatusIndicatorProps.Type;
}

export const SCHEDULE_STATUS: Record<string, Words> = {
  scheduled: { label: 'Scheduled', type: 'pending' },
  recurring: { label: 'Recurring', type: 'success' },
  recurring_paused: { label: 'Recurring, paused', type: 'stopped' },
  processing: { label: 'Processing', type: 'in-progress' },
  completed: { label: 'Completed', type: 'success' },
  cancelled: { label: 'Cancelled', type: 'stopped' },
};

export const RUN_OUTCOME: Record<ScheduleRun['outcome'], Words> = {
  started: { label: 'Ran: batch started', type: 'success' },
  completed: { label: 'Ran', type: 'success' },
  nothing_to_do: { label: 'Ran: nothing to do', type: 'info' },
  skipped_late: { label: 'Skipped: late', type: 'warning' },
  skipped_overlap: { label: 'Skipped: overlap', type: 'warning' },
  skipped_inactive: { label: 'Skipped: not active', type: 'stopped' },
  failed: { label: 'Failed', type: 'error' },
};

export function ScheduleStatus({ status }: { status: string }) {
  const words = SCHEDULE_STATUS[status] ?? { label: status, type: 'info' as const };
  return <StatusIndicator type={words.type}>{words.label}</StatusIndicator>;
}

export function RunOutcome({ run }: { run: ScheduleRun }) {
  const words = RUN_OUTCOME[run.outcome];
  return <StatusIndicator type={words.type}>{words.label}</StatusIndicator>;
}

/** An instant in the schedule's timezone, and in the organisation's when that is another. */
export function FireTime({ iso, timezone, organisationTimezone }: { iso: string | null; timezone: string; organisationTimezone: string | undefined }) {
  if (!iso) return <>-</>;
  return (
    <SpaceBetween size="xxxs">
      <span>{inZone(iso, timezone)}</span>
      {organisationTimezone && organisationTimezone !== timezone && (
        <Box variant="small" color="text-body-secondary">
          {inZone(iso, organisationTimezone)} (the organisation's)
        </Box>
      )}
    </SpaceBetween>
  );
}

/** What a run would do if it fired now, in words and numbers. */
export function wouldSay(would: DraftPreview['would']): { label: string; value: string }[] {
  switch (would.action) {
    case 'send_batch':
      return [
        { label: 'Batch', value: `${would.batch_id} (${would.batch_status})` },
        { label: 'Cards it would send now', value: String(would.cards) },
      ];
    case 'retrieval':
      return [
        { label: 'Cards idle since', value: would.idle_before },
        { label: 'Cards it would return to the pool now', value: String(would.cards) },
      ];
    default: {
      const rows: { label: string; value: string }[] = [];
      if (would.source) rows.push({ label: 'Newest file', value: `${would.source.key} (${would.source.bytes.toLocaleString()} bytes)` });
      if (would.rows) {
        rows.push({
          label: 'Rows',
          value: `${would.rows.accepted} accepted, ${would.rows.rejected} rejected${would.rows.reason ? ` — ${would.rows.reason}` : ''}`,
        });
      }
      if (would.approval) rows.push({ label: 'Approval', value: would.approval });
      if (would.note) rows.push({ label: 'Note', value: would.note });
      return rows;
    }
  }
}

export function PreviewView({ preview, organisationTimezone }: { preview: DraftPreview; organisationTimezone: string | undefined }) {
  const timezone = preview.timing.timezone;
  return (
    <ColumnLayout columns={2} variant="text-grid">
      <SpaceBetween size="xs">
        <Box variant="awsui-key-label">Next fire times</Box>
        {preview.next_fires.length ? (
          <ol aria-label="Next fire times">
            {preview.next_fires.map((fire) => (
              <li key={fire.utc}>
                <FireTime iso={fire.utc} timezone={timezone} organisationTimezone={organisationTimezone} />
              </li>
            ))}
          </ol>
        ) : (
          <Box>{preview.timing.mode === 'immediate' ? 'Runs as soon as it is saved.' : 'None: it will not fire (paused, or no time left).'}</Box>
        )}
        <Box variant="small">{preview.timing.description}</Box>
      </SpaceBetween>
      <SpaceBetween size="xs">
        <Box variant="awsui-key-label">A run now would</Box>
        <KeyValuePairs columns={1} items={wouldSay(preview.would)} />
        {preview.would.action === 'send_batch' && <RouterLink href={`/batches/${preview.would.batch_id}`}>Open the batch</RouterLink>}
      </SpaceBetween>
    </ColumnLayout>
  );
}
