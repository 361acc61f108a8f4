/**
 * The business-hours editor's model (PRODUCT §7): the API's weekly intervals per weekday as rows
 * an admin edits, checked here the way the API checks them (HH:MM from 00:00 to 24:00, each
 * interval ending after it starts, no overlaps within a day, ISO dates for holidays) so the form
 * says what is wrong before anything is sent, and turned back into the API's shape.
 */
import type { BusinessHours, HoursInterval } from '../../api/models';

export const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const WEEKDAY_NAMES: Record<Weekday, string> = {
  MON: 'Monday',
  TUE: 'Tuesday',
  WED: 'Wednesday',
  THU: 'Thursday',
  FRI: 'Friday',
  SAT: 'Saturday',
  SUN: 'Sunday',
};

export interface HoursDraft {
  weekly: Record<Weekday, HoursInterval[]>;
  holidays: string[];
}

export function draftOf(hours: BusinessHours): HoursDraft {
  const weekly = Object.fromEntries(WEEKDAYS.map((day) => [day, [...(hours.weekly[day] ?? [])]])) as Record<Weekday, HoursInterval[]>;
  return { weekly, holidays: [...(hours.holidays ?? [])].sort() };
}

/** Minutes after midnight of "HH:MM" ("24:00" is the next midnight), or null when it is not a time of day. */
export function minutesOf(text: string): number | null {
  const match = /^([0-9]{2}):([0-9]{2})$/.exec(text);
  if (!match) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if ((hours < 24 && minutes < 60) || (hours === 24 && minutes === 0)) return hours * 60 + minutes;
  return null;
}

/** What is wrong with one day's intervals, each message naming the interval (none: the day is fine). */
export function dayProblems(intervals: readonly HoursInterval[]): string[] {
  const problems: string[] = [];
  const spans: { start: number; end: number; text: string }[] = [];
  for (const interval of intervals) {
    const start = minutesOf(interval.start);
    const end = minutesOf(interval.end);
    const text = `${interval.start}-${interval.end}`;
    if (start === null || end === null) {
      problems.push(`${text}: use HH:MM, from 00:00 to 24:00.`);
    } else if (end <= start) {
      problems.push(`${text} must end after it starts; split an overnight shift at midnight.`);
    } else {
      spans.push({ start, end, text });
    }
  }
  spans.sort((a, b) => a.start - b.start);
  for (let index = 1; index < spans.length; index += 1) {
    const earlier = spans[index - 1];
    const later = spans[index];
    if (earlier && later && later.start < earlier.end) problems.push(`${earlier.text} overlaps ${later.text}.`);
  }
  return problems;
}

export function isIsoDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const moment = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(moment.getTime()) && moment.toISOString().startsWith(text);
}

export function draftProblems(draft: HoursDraft): Partial<Record<Weekday | 'holidays', string[]>> {
  const found: Partial<Record<Weekday | 'holidays', string[]>> = {};
  for (const day of WEEKDAYS) {
    const problems = dayProblems(draft.weekly[day]);
    if (problems.length) found[day] = problems;
  }
  const badDates = draft.holidays.filter((day) => !isIsoDate(day));
  if (badDates.length) found.holidays = badDates.map((day) => `${day} is not a date (YYYY-MM-DD).`);
  return found;
}

/** The API's shape, in the organisation's timezone; null while the draft has a problem. */
export function hoursOf(draft: HoursDraft, timezone: string): BusinessHours | null {
  if (Object.keys(draftProblems(draft)).length) return null;
  const weekly: Record<string, HoursInterval[]> = {};
  for (const day of WEEKDAYS) {
    if (draft.weekly[day].length) weekly[day] = draft.weekly[day];
  }
  return { timezone, weekly, holidays: [...new Set(draft.holidays)].sort() };
}

/** "Mon–Fri 09:00–17:00"-style summary of a week, for the page's description. */
export function weekSummary(draft: HoursDraft): string {
  const open = WEEKDAYS.filter((day) => draft.weekly[day].length);
  if (!open.length) return 'Closed every day: cards wait in Unassigned.';
  return open.map((day) => `${day[0]}${day.slice(1).toLowerCase()} ${draft.weekly[day].map((i) => `${i.start}-${i.end}`).join(', ')}`).join(' · ');
}
