/**
 * The contacts screen's filter builder (PRODUCT §8: a working list), and its translation to the
 * API's filter language (README "Contacts and batch communications"; dispatch/contacts/filters.py):
 *
 *     {"field", "op", "value"}  {"tags_any": [...]}  {"tags_all": [...]}  {"has": "email"|"phone"|"address"}
 *     {"and": [...]}  {"or": [...]}  {"not": F}
 *
 * A builder is a list of conditions joined by AND or OR, each of which may be negated (NOT): the
 * shape most working lists take, and one a person can read back. No React here: the translation,
 * the URL form and the values' typing are unit-tested.
 */

export type Op = 'eq' | 'ne' | 'in' | 'lt' | 'lte' | 'gt' | 'gte' | 'contains' | 'exists';
export type ConditionKind = 'field' | 'tags_any' | 'tags_all' | 'has';
export type Channel = 'email' | 'phone' | 'address';

export interface Condition {
  kind: ConditionKind;
  /** A property (`city`, `created_at`, …) or `attributes.<name>`. */
  field: string;
  op: Op;
  /** As typed; comma-separated for `in` and tags. */
  value: string;
  has: Channel;
  negate: boolean;
}

export interface Builder {
  join: 'and' | 'or';
  conditions: Condition[];
}

export type Filter = Record<string, unknown>;

export const OPS: readonly { value: Op; label: string }[] = [
  { value: 'eq', label: 'is' },
  { value: 'ne', label: 'is not' },
  { value: 'contains', label: 'contains' },
  { value: 'in', label: 'is one of' },
  { value: 'lt', label: 'is less than' },
  { value: 'lte', label: 'is at most' },
  { value: 'gt', label: 'is greater than' },
  { value: 'gte', label: 'is at least' },
  { value: 'exists', label: 'is present' },
];

/** The contact properties a filter may name (attributes are `attributes.<name>`). */
export const PROPERTIES = [
  'external_id',
  'first_name',
  'last_name',
  'email',
  'phone',
  'city',
  'region',
  'postcode',
  'country',
  'created_at',
  'updated_at',
] as const;

export const NEW_CONDITION: Condition = { kind: 'tags_any', field: 'city', op: 'eq', value: '', has: 'email', negate: false };
export const EMPTY_BUILDER: Builder = { join: 'and', conditions: [] };

function list(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

/**
 * A typed value: numbers and true/false for attributes (their type is the organisation's schema:
 * a number attribute compared with the text "12" would match nothing); properties are text.
 */
export function typedValue(field: string, text: string): string | number | boolean {
  const trimmed = text.trim();
  if (!field.startsWith('attributes.')) return trimmed;
  if (trimmed === 'true' || trimmed === 'false') return trimmed === 'true';
  if (trimmed !== '' && /^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  return trimmed;
}

/** One condition in the filter language; null while it is incomplete (it is left out). */
export function conditionFilter(condition: Condition): Filter | null {
  let filter: Filter | null = null;
  switch (condition.kind) {
    case 'tags_any':
    case 'tags_all': {
      const tags = list(condition.value);
      filter = tags.length ? { [condition.kind]: tags } : null;
      break;
    }
    case 'has':
      filter = { has: condition.has };
      break;
    case 'field': {
      const field = condition.field.trim();
      if (!field) break;
      if (condition.op === 'exists') {
        filter = { field, op: 'exists', value: true };
      } else if (condition.op === 'in') {
        const values = list(condition.value).map((value) => typedValue(field, value));
        filter = values.length ? { field, op: 'in', value: values } : null;
      } else if (condition.value.trim() !== '') {
        filter = { field, op: condition.op, value: typedValue(field, condition.value) };
      }
      break;
    }
  }
  if (filter && condition.negate) return { not: filter };
  return filter;
}

/** The whole builder as one filter; null when no condition is complete (every contact). */
export function toFilter(builder: Builder): Filter | null {
  const parts = builder.conditions.map(conditionFilter).filter((part): part is Filter => part !== null);
  if (parts.length === 0) return null;
  if (parts.length === 1) return parts[0] ?? null;
  return { [builder.join]: parts };
}

/** A condition in words, for the summary above the list ("tags any of renewal, vip"). */
export function describe(condition: Condition): string {
  const not = condition.negate ? 'NOT ' : '';
  switch (condition.kind) {
    case 'tags_any':
      return `${not}tagged any of ${list(condition.value).join(', ') || '…'}`;
    case 'tags_all':
      return `${not}tagged all of ${list(condition.value).join(', ') || '…'}`;
    case 'has':
      return `${not}has ${condition.has === 'address' ? 'a postal address' : `an ${condition.has === 'email' ? 'email' : 'phone number'}`}`;
    case 'field': {
      const op = OPS.find((item) => item.value === condition.op)?.label ?? condition.op;
      return `${not}${condition.field} ${op}${condition.op === 'exists' ? '' : ` ${condition.value || '…'}`}`;
    }
  }
}

/** The builder in the page's address (`?f=`), so a working list can be shared and reloaded. */
export function writeBuilder(builder: Builder): string {
  return builder.conditions.length ? JSON.stringify(builder) : '';
}

export function readBuilder(text: string | null): Builder {
  if (!text) return EMPTY_BUILDER;
  try {
    const parsed = JSON.parse(text) as Partial<Builder>;
    const join = parsed.join === 'or' ? 'or' : 'and';
    const conditions = Array.isArray(parsed.conditions)
      ? parsed.conditions.map((item: Partial<Condition>) => ({ ...NEW_CONDITION, ...item }))
      : [];
    return { join, conditions };
  } catch {
    return EMPTY_BUILDER;
  }
}
