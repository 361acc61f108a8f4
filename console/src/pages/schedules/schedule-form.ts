/**
 * The schedule editor's form, and its translation to and from the API's `config` and `when`
 * (PRODUCT §6) — no React, so that every rule is unit-tested: what the person picks (run
 * immediately; once at a date and time; recurring hourly, daily, weekly on some weekdays, monthly on
 * a day or the last day, or a cron expression; a timezone or the organisation's) becomes exactly
 * the body the API takes, and a saved entry's `when` comes back as the same form.
 */
import type { CommunicationChannel, DistributionConfig, Frequency, ScheduleConfig, Weekday, When } from '../../api/models';

export const WEEKDAYS: readonly Weekday[] = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];
export const FREQUENCIES: readonly Frequency[] = ['hourly', 'daily', 'weekly', 'monthly', 'cron'];
export type Mode = When['mode'];
export type Kind = ScheduleConfig['kind'];

export interface TimingForm {
  mode: NonNullable<Mode>;
  /** YYYY-MM-DD (the date picker's format), a wall-clock date in the timezone. */
  date: string;
  /** HH:MM, a wall-clock time in the timezone. */
  time: string;
  /** An IANA name; empty: the organisation's. */
  timezone: string;
  frequency: Frequency;
  weekdays: Weekday[];
  /** '1'…'28' or 'last' (days 29-31 are not in every month: the API refuses them). */
  monthDay: string;
  cron: string;
}

export interface ConfigForm {
  kind: Kind;
  processId: string;
  /** Where a distribution's rows come from: the newest file under a prefix, or a contact filter. */
  source: 'file' | 'contacts';
  sourcePrefix: string;
  /** The contact filter as JSON text (the contacts screen's filter language). */
  contactFilter: string;
  batchName: string;
  autoDistribute: boolean;
  standingApproval: boolean;
  template: string;
  dueDate: string;
  channels: CommunicationChannel[];
  batchId: string;
  idleDays: string;
}

export const EMPTY_TIMING: TimingForm = {
  mode: 'immediate',
  date: '',
  time: '',
  timezone: '',
  frequency: 'weekly',
  weekdays: [],
  monthDay: '1',
  cron: '',
};

export const EMPTY_CONFIG: ConfigForm = {
  kind: 'distribution',
  processId: '',
  source: 'file',
  sourcePrefix: '',
  contactFilter: '',
  batchName: '',
  autoDistribute: true,
  standingApproval: false,
  template: '',
  dueDate: '',
  channels: [],
  batchId: '',
  idleDays: '7',
};

/** The result of reading a form: the API's value, or what is missing, in words. */
export type Read<T> = { ok: true; value: T } | { ok: false; problem: string };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** The `when` of a timing form (the API resolves it; it also refuses a time in the past). */
export function toWhen(form: TimingForm): Read<When> {
  const timezone = form.timezone.trim() || null;
  if (form.mode === 'immediate') return { ok: true, value: { mode: 'immediate', timezone } };
  if (!DATE.test(form.date)) return { ok: false, problem: 'Choose the date of the first run.' };
  if (!TIME.test(form.time)) return { ok: false, problem: 'Give the time of the first run (HH:MM, 24-hour).' };
  const start_at = `${form.date}T${form.time}`;
  if (form.mode === 'once') return { ok: true, value: { mode: 'once', start_at, timezone } };
  const when: When = { mode: 'recurring', start_at, timezone, frequency: form.frequency };
  switch (form.frequency) {
    case 'weekly':
      if (!form.weekdays.length) return { ok: false, problem: 'Choose at least one weekday.' };
      when.weekdays = WEEKDAYS.filter((day) => form.weekdays.includes(day));
      break;
    case 'monthly': {
      if (form.monthDay === 'last') {
        when.day_of_month = 'last';
      } else {
        const day = Number(form.monthDay);
        if (!Number.isInteger(day) || day < 1 || day > 28) {
          return { ok: false, problem: 'A monthly schedule runs on day 1 to 28, or on the last day of the month.' };
        }
        when.day_of_month = day;
      }
      break;
    }
    case 'cron':
      if (form.cron.trim().split(/\s+/).length !== 6) {
        return { ok: false, problem: 'A cron expression has six fields: minutes hours day-of-month month day-of-week year.' };
      }
      when.cron = form.cron.trim();
      break;
    default:
      break;
  }
  return { ok: true, value: when };
}

/** A saved entry's `when`, back in the form (to edit it). */
export function fromWhen(when: When): TimingForm {
  const [date = '', time = ''] = (when.start_at ?? '').split('T');
  return {
    mode: when.mode ?? 'immediate',
    date,
    time: time.slice(0, 5),
    timezone: when.timezone ?? '',
    frequency: when.frequency ?? 'weekly',
    weekdays: [...(when.weekdays ?? [])],
    monthDay: when.day_of_month === undefined || when.day_of_month === null ? '1' : String(when.day_of_month),
    cron: when.cron ?? '',
  };
}

/** The `config` of a configuration form. */
export function toConfig(form: ConfigForm): Read<ScheduleConfig> {
  switch (form.kind) {
    case 'send_batch':
      return form.batchId.trim()
        ? { ok: true, value: { kind: 'send_batch', batch_id: form.batchId.trim() } }
        : { ok: false, problem: 'Choose the approved batch to send.' };
    case 'retrieval': {
      const days = Number(form.idleDays);
      if (!Number.isInteger(days) || days < 1 || days > 365) {
        return { ok: false, problem: 'Idle days is a whole number from 1 to 365.' };
      }
      return { ok: true, value: { kind: 'retrieval', idle_days: days } };
    }
    case 'distribution': {
      if (!form.processId) return { ok: false, problem: 'Choose the process of the batches it builds.' };
      const config: DistributionConfig = {
        kind: 'distribution',
        process_id: form.processId,
        source_prefix: '',
        batch_name: form.batchName.trim() || null,
        auto_distribute: form.autoDistribute,
        standing_approval: form.standingApproval,
      };
      if (form.source === 'file') {
        config.source_prefix = form.sourcePrefix.trim();
        return { ok: true, value: config };
      }
      let filter: unknown;
      try {
        filter = JSON.parse(form.contactFilter.trim() || '{}');
      } catch {
        return { ok: false, problem: 'The contact filter is not valid JSON.' };
      }
      if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
        return { ok: false, problem: 'The contact filter is a JSON object, such as {"tags_any": ["renewal"]}.' };
      }
      config.contact_filter = filter as Record<string, unknown>;
      config.template = form.template.trim() || null;
      config.due_date = form.dueDate || null;
      config.channels = form.channels.length ? [...form.channels] : null;
      return { ok: true, value: config };
    }
  }
}

/** A saved entry's `config`, back in the form. */
export function fromConfig(config: ScheduleConfig): ConfigForm {
  switch (config.kind) {
    case 'send_batch':
      return { ...EMPTY_CONFIG, kind: 'send_batch', batchId: config.batch_id };
    case 'retrieval':
      return { ...EMPTY_CONFIG, kind: 'retrieval', idleDays: String(config.idle_days) };
    default: {
      const distribution = config as DistributionConfig;
      const filter = distribution.contact_filter ?? null;
      return {
        ...EMPTY_CONFIG,
        kind: 'distribution',
        processId: distribution.process_id,
        source: filter ? 'contacts' : 'file',
        sourcePrefix: distribution.source_prefix ?? '',
        contactFilter: filter ? JSON.stringify(filter) : '',
        batchName: distribution.batch_name ?? '',
        autoDistribute: distribution.auto_distribute ?? true,
        standingApproval: distribution.standing_approval ?? false,
        template: distribution.template ?? '',
        dueDate: distribution.due_date ?? '',
        channels: [...(distribution.channels ?? [])],
      };
    }
  }
}

/** An instant in a timezone, with the zone's abbreviation ("Mon 7 Dec 2026, 06:00 CET"). */
export function inZone(iso: string | null | undefined, timezone: string): string {
  if (!iso) return '-';
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    }).format(moment);
  } catch {
    return iso; // an unknown zone: the instant as the API gave it
  }
}

export const KIND_LABEL: Record<Kind, string> = {
  distribution: 'Distribution',
  send_batch: 'Send a batch',
  retrieval: 'Retrieval',
};

/** What a configuration does, in a few words (lists and the detail's header). */
export function describeConfig(config: ScheduleConfig): string {
  switch (config.kind) {
    case 'send_batch':
      return `sends batch ${config.batch_id}`;
    case 'retrieval':
      return `returns cards idle for ${config.idle_days} days to the pool`;
    default: {
      const distribution = config as DistributionConfig;
      return distribution.contact_filter
        ? 'a communication from a contact filter'
        : `the newest file under "${distribution.source_prefix || '(the organisation\u2019s folder)'}"`;
    }
  }
}
