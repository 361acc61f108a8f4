/**
 * An agent's eligibility filters as text, in the agents file's own syntax (dispatch/assignment/
 * agent_file.py), so an admin writes them the same way in the form and in a file: `=north` (equals;
 * `=true`/`=false` are booleans), `in:north|south` (one of), `10..20`, `10..` or `..20` (a range,
 * inclusive; numbers, or ISO dates compared as text). A value that reads as a number is one
 * (card values are typed by the process's fields), except with a leading zero: 02134 is a code.
 */
import type { AgentFilter } from '../../api/models';

type Scalar = string | number;

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const LEADING_ZERO = /^[+-]?0[0-9]/;

export function scalar(text: string): Scalar {
  if (LEADING_ZERO.test(text) || !NUMBER.test(text)) return text;
  const value = Number(text);
  return Number.isFinite(value) ? value : text;
}

export type Parsed = { filter: AgentFilter } | { error: string };

export function parseFilter(raw: string): Parsed {
  const text = raw.trim();
  if (text.startsWith('=')) {
    const value = text.slice(1).trim();
    if (!value) return { error: '= needs a value: =north' };
    const word = value.toLowerCase();
    return { filter: { equals: word === 'true' ? true : word === 'false' ? false : scalar(value) } };
  }
  if (text.slice(0, 3).toLowerCase() === 'in:') {
    const options = text
      .slice(3)
      .split('|')
      .map((option) => option.trim())
      .filter(Boolean)
      .map(scalar);
    return options.length ? { filter: { in: options } } : { error: 'in: needs at least one value: in:a|b|c' };
  }
  if (text.includes('..')) {
    const at = text.indexOf('..');
    const low = text.slice(0, at).trim();
    const high = text.slice(at + 2).trim();
    if (!low && !high) return { error: 'a range needs a minimum, a maximum or both: 10..20, 10.. or ..20' };
    const min = low ? scalar(low) : null;
    const max = high ? scalar(high) : null;
    if (min !== null && max !== null && typeof min !== typeof max) {
      return { error: 'both ends of a range must be numbers, or both text (such as ISO dates)' };
    }
    return { filter: { ...(min !== null ? { min } : {}), ...(max !== null ? { max } : {}) } };
  }
  return { error: 'write =value, in:a|b|c or min..max' };
}

/** A filter as the API shows it (`{"in": [...]}`) back in the text syntax. */
export function formatFilter(filter: Record<string, unknown>): string {
  if ('equals' in filter && filter['equals'] !== null && filter['equals'] !== undefined) return `=${String(filter['equals'])}`;
  const options = filter['in'];
  if (Array.isArray(options)) return `in:${options.map(String).join('|')}`;
  const min = filter['min'];
  const max = filter['max'];
  return `${min === null || min === undefined ? '' : String(min)}..${max === null || max === undefined ? '' : String(max)}`;
}

export interface FilterRow {
  field: string;
  condition: string;
}

/** Rows of the form as the API's filters, or the problems (each naming its field). */
export function filtersOf(rows: readonly FilterRow[]): { filters: Record<string, AgentFilter>; problems: string[] } {
  const filters: Record<string, AgentFilter> = {};
  const problems: string[] = [];
  for (const row of rows) {
    const field = row.field.trim();
    if (!field && !row.condition.trim()) continue;
    if (!field) {
      problems.push(`A filter "${row.condition}" has no field.`);
      continue;
    }
    if (field in filters) {
      problems.push(`${field}: one filter per field.`);
      continue;
    }
    const parsed = parseFilter(row.condition);
    if ('error' in parsed) problems.push(`${field}: ${parsed.error}.`);
    else filters[field] = parsed.filter;
  }
  return { filters, problems };
}
