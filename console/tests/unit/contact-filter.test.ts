import { describe, expect, it } from 'vitest';

import {
  NEW_CONDITION,
  describe as describeCondition,
  readBuilder,
  toFilter,
  typedValue,
  writeBuilder,
  type Builder,
  type Condition,
} from '../../src/pages/contacts/filter-builder';

const condition = (parts: Partial<Condition>): Condition => ({ ...NEW_CONDITION, ...parts });

describe('the contacts filter builder', () => {
  it('is every contact while no condition is complete', () => {
    expect(toFilter({ join: 'and', conditions: [] })).toBeNull();
    expect(toFilter({ join: 'and', conditions: [condition({ kind: 'tags_any', value: ' , ' }), condition({ kind: 'field', value: '' })] })).toBeNull();
  });

  it('is the condition itself when there is one, and AND or OR of several', () => {
    const tags = condition({ kind: 'tags_any', value: 'renewal, vip' });
    const email = condition({ kind: 'has', has: 'email' });
    expect(toFilter({ join: 'and', conditions: [tags] })).toEqual({ tags_any: ['renewal', 'vip'] });
    expect(toFilter({ join: 'and', conditions: [tags, email] })).toEqual({ and: [{ tags_any: ['renewal', 'vip'] }, { has: 'email' }] });
    expect(toFilter({ join: 'or', conditions: [tags, email] })).toEqual({ or: [{ tags_any: ['renewal', 'vip'] }, { has: 'email' }] });
  });

  it('negates a condition with NOT', () => {
    const builder: Builder = { join: 'and', conditions: [condition({ kind: 'tags_all', value: 'lapsed', negate: true })] };
    expect(toFilter(builder)).toEqual({ not: { tags_all: ['lapsed'] } });
  });

  it('compares fields, typing attribute values (numbers, booleans) and keeping properties as text', () => {
    expect(toFilter({ join: 'and', conditions: [condition({ kind: 'field', field: 'attributes.amount', op: 'gte', value: '10' })] })).toEqual({
      field: 'attributes.amount',
      op: 'gte',
      value: 10,
    });
    expect(toFilter({ join: 'and', conditions: [condition({ kind: 'field', field: 'postcode', op: 'eq', value: '01234' })] })).toEqual({
      field: 'postcode',
      op: 'eq',
      value: '01234',
    });
    expect(toFilter({ join: 'and', conditions: [condition({ kind: 'field', field: 'city', op: 'in', value: 'Paris, Lyon' })] })).toEqual({
      field: 'city',
      op: 'in',
      value: ['Paris', 'Lyon'],
    });
    expect(toFilter({ join: 'and', conditions: [condition({ kind: 'field', field: 'phone', op: 'exists' })] })).toEqual({ field: 'phone', op: 'exists', value: true });
    expect(typedValue('attributes.member', 'true')).toBe(true);
    expect(typedValue('attributes.code', '12ab')).toBe('12ab');
  });

  it('reads back what it wrote to the address, and ignores what it cannot read', () => {
    const builder: Builder = { join: 'or', conditions: [condition({ kind: 'has', has: 'address' }), condition({ kind: 'tags_any', value: 'spring' })] };
    expect(readBuilder(writeBuilder(builder))).toEqual(builder);
    expect(writeBuilder({ join: 'and', conditions: [] })).toBe('');
    expect(readBuilder('{not json')).toEqual({ join: 'and', conditions: [] });
    expect(readBuilder(null)).toEqual({ join: 'and', conditions: [] });
  });

  it('says each condition in words', () => {
    expect(describeCondition(condition({ kind: 'tags_any', value: 'a,b' }))).toBe('tagged any of a, b');
    expect(describeCondition(condition({ kind: 'has', has: 'address', negate: true }))).toBe('NOT has a postal address');
    expect(describeCondition(condition({ kind: 'field', field: 'city', op: 'ne', value: 'Paris' }))).toBe('city is not Paris');
  });
});
