/** The filter builder's controls: conditions joined by AND or OR, each negatable, added and removed. */
import Autosuggest from '@cloudscape-design/components/autosuggest';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';

import { NEW_CONDITION, OPS, PROPERTIES, type Builder, type Channel, type Condition, type ConditionKind, type Op } from './filter-builder';

const KINDS: { value: ConditionKind; label: string }[] = [
  { value: 'tags_any', label: 'Tagged any of' },
  { value: 'tags_all', label: 'Tagged all of' },
  { value: 'has', label: 'Has' },
  { value: 'field', label: 'Field' },
];
const HAS: { value: Channel; label: string }[] = [
  { value: 'email', label: 'an email' },
  { value: 'phone', label: 'a phone number' },
  { value: 'address', label: 'a postal address' },
];

function ConditionRow({ index, condition, onChange, onRemove }: { index: number; condition: Condition; onChange: (condition: Condition) => void; onRemove: () => void }) {
  const n = index + 1;
  const set = (update: Partial<Condition>) => onChange({ ...condition, ...update });
  const kind = KINDS.find((item) => item.value === condition.kind) ?? KINDS[0];
  return (
    <SpaceBetween direction="horizontal" size="xs" alignItems="center">
      <Checkbox checked={condition.negate} onChange={({ detail }) => set({ negate: detail.checked })} ariaLabel={`Condition ${n}: NOT`}>
        NOT
      </Checkbox>
      <Select
        selectedOption={kind ?? null}
        options={KINDS}
        onChange={({ detail }) => set({ kind: (detail.selectedOption.value ?? 'tags_any') as ConditionKind })}
        ariaLabel={`Condition ${n}: kind`}
      />
      {(condition.kind === 'tags_any' || condition.kind === 'tags_all') && (
        <Input value={condition.value} onChange={({ detail }) => set({ value: detail.value })} placeholder="tag, another tag" ariaLabel={`Condition ${n}: tags`} />
      )}
      {condition.kind === 'has' && (
        <Select
          selectedOption={HAS.find((item) => item.value === condition.has) ?? null}
          options={HAS}
          onChange={({ detail }) => set({ has: (detail.selectedOption.value ?? 'email') as Channel })}
          ariaLabel={`Condition ${n}: channel`}
        />
      )}
      {condition.kind === 'field' && (
        <Autosuggest
          clearAriaLabel="Clear"
          value={condition.field}
          onChange={({ detail }) => set({ field: detail.value })}
          options={PROPERTIES.map((property) => ({ value: property }))}
          enteredTextLabel={(value) => `Use "${value}"`}
          placeholder="city, or attributes.name"
          ariaLabel={`Condition ${n}: field`}
          empty="Type attributes.<name> for an attribute"
        />
      )}
      {condition.kind === 'field' && (
        <Select
          selectedOption={OPS.find((item) => item.value === condition.op) ?? null}
          options={OPS.map((item) => ({ value: item.value, label: item.label }))}
          onChange={({ detail }) => set({ op: (detail.selectedOption.value ?? 'eq') as Op })}
          ariaLabel={`Condition ${n}: comparison`}
        />
      )}
      {condition.kind === 'field' && condition.op !== 'exists' && (
        <Input
          value={condition.value}
          onChange={({ detail }) => set({ value: detail.value })}
          placeholder={condition.op === 'in' ? 'one, two' : 'value'}
          ariaLabel={`Condition ${n}: value`}
        />
      )}
      <Button iconName="remove" variant="icon" onClick={onRemove} ariaLabel={`Remove condition ${n}`} />
    </SpaceBetween>
  );
}

export function FilterEditor({ builder, onChange }: { builder: Builder; onChange: (builder: Builder) => void }) {
  return (
    <SpaceBetween size="s">
      {builder.conditions.length > 1 && (
        <FormField label="Match">
          <SegmentedControl
            selectedId={builder.join}
            onChange={({ detail }) => onChange({ ...builder, join: detail.selectedId === 'or' ? 'or' : 'and' })}
            label="Match"
            options={[
              { id: 'and', text: 'All conditions (AND)' },
              { id: 'or', text: 'Any condition (OR)' },
            ]}
          />
        </FormField>
      )}
      {builder.conditions.map((condition, index) => (
        <ConditionRow
          key={index}
          index={index}
          condition={condition}
          onChange={(changed) => onChange({ ...builder, conditions: builder.conditions.map((item, at) => (at === index ? changed : item)) })}
          onRemove={() => onChange({ ...builder, conditions: builder.conditions.filter((_, at) => at !== index) })}
        />
      ))}
      <Button iconName="add-plus" onClick={() => onChange({ ...builder, conditions: [...builder.conditions, NEW_CONDITION] })}>
        Add condition
      </Button>
    </SpaceBetween>
  );
}
