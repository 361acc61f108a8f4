/**
 * The process form (create, and edit while a draft): name, link base URL, the fields of the
 * recipients file (type and required flag), the channel order and the approval policy. The form
 * checks what it can before sending; the API's own objections are shown as it words them.
 */
import AttributeEditor from '@cloudscape-design/components/attribute-editor';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import Container from '@cloudscape-design/components/container';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Select, { type SelectProps } from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState, type ReactNode } from 'react';

import { problemsOf } from '../../api/errors';
import type { ChannelOrder, FieldType, ProcessField, ProcessInput } from '../../api/models';
import { LABELS } from '../../common/strings';

export const FIELD_TYPES: { value: FieldType; label: string }[] = [
  { value: 'string', label: 'Text' },
  { value: 'number', label: 'Number' },
  { value: 'date', label: 'Date' },
  { value: 'boolean', label: 'Yes/no' },
  { value: 'email', label: 'Email' },
  { value: 'phone', label: 'Phone' },
];
const CHANNEL_ORDERS: { value: ChannelOrder; label: string; description: string }[] = [
  { value: 'email_first', label: 'Email first', description: 'SMS only for rows without a usable email' },
  { value: 'sms_first', label: 'SMS first', description: 'Email only for rows without a usable phone' },
  { value: 'both', label: 'Both', description: 'Email and SMS to every row that has them' },
];
const POLICY: SelectProps.Option[] = [
  { value: 'default', label: "The organisation's setting" },
  { value: 'yes', label: 'Yes' },
  { value: 'no', label: 'No' },
];
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_ -]{0,63}$/;

const policyValue = (value: boolean | null | undefined): string => (value === true ? 'yes' : value === false ? 'no' : 'default');
const policyOf = (value: string | undefined): boolean | null => (value === 'yes' ? true : value === 'no' ? false : null);

export const EMPTY_PROCESS: ProcessInput = {
  name: '',
  link_base_url: 'https://',
  fields: [
    { name: 'first_name', label: 'First name', type: 'string', required: true },
    { name: 'email', label: 'Email', type: 'email', required: false },
  ],
  channel_order: 'email_first',
  approval_required: null,
  four_eyes: null,
};

/** What the form can tell before asking the API (the API checks again). */
export function formProblems(input: ProcessInput): { name?: string; link?: string; fields: (string | undefined)[] } {
  const seen = new Set<string>();
  const fields = input.fields.map((field) => {
    const key = field.name.trim().toLowerCase().replace(/[\s_-]+/g, '_');
    if (!FIELD_NAME.test(field.name.trim())) return 'Start with a letter; letters, digits, spaces, _ and - only (64 at most).';
    if (seen.has(key)) return 'Another field has this name.';
    seen.add(key);
    return undefined;
  });
  let link: string | undefined;
  try {
    const url = new URL(input.link_base_url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') link = 'An http or https address.';
  } catch {
    link = 'A full address, like https://forms.example.com/renewal.';
  }
  return { name: input.name.trim() ? undefined : 'Give the process a name.', link, fields };
}

export function ProcessForm({
  initial,
  title,
  submitLabel,
  busy,
  error,
  onSubmit,
  cancel,
}: {
  initial: ProcessInput;
  title: string;
  submitLabel: string;
  busy: boolean;
  error: unknown;
  onSubmit: (input: ProcessInput) => void;
  cancel: ReactNode;
}) {
  const [input, setInput] = useState<ProcessInput>(initial);
  const [tried, setTried] = useState(false);
  const problems = formProblems(input);
  const invalid = Boolean(problems.name || problems.link || problems.fields.some(Boolean) || !input.fields.length);
  const apiProblems = problemsOf(error);
  const set = (change: Partial<ProcessInput>) => setInput((current) => ({ ...current, ...change }));
  const setField = (index: number, change: Partial<ProcessField>) =>
    set({ fields: input.fields.map((field, at) => (at === index ? { ...field, ...change } : field)) });

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        setTried(true);
        if (!invalid) onSubmit({ ...input, name: input.name.trim(), fields: input.fields.map((field) => ({ ...field, name: field.name.trim() })) });
      }}
    >
      <Form
        header={<Header variant="h1">{title}</Header>}
        errorText={error ? [error instanceof Error ? error.message : 'The process could not be saved.', ...apiProblems].join(' — ') : undefined}
        actions={
          <SpaceBetween direction="horizontal" size="xs">
            {cancel}
            <Button variant="primary" formAction="submit" loading={busy}>
              {submitLabel}
            </Button>
          </SpaceBetween>
        }
      >
        <SpaceBetween size="l">
          <Container header={<Header variant="h2">Process</Header>}>
            <SpaceBetween size="m">
              <FormField label="Name" controlId="process-name" errorText={tried ? problems.name : undefined}>
                <Input controlId="process-name" value={input.name} onChange={({ detail }) => set({ name: detail.value })} />
              </FormField>
              <FormField
                label="Link base URL"
                description="The page each card opens; it receives the card's token and fetches the pre-filled values."
                controlId="process-link"
                errorText={tried ? problems.link : undefined}
              >
                <Input controlId="process-link" type="url" value={input.link_base_url} onChange={({ detail }) => set({ link_base_url: detail.value })} />
              </FormField>
              <FormField label="Channel order" description="Which channel a card goes by when a row has both an email and a phone.">
                <Select
                  selectedOption={CHANNEL_ORDERS.find((option) => option.value === input.channel_order) ?? null}
                  options={CHANNEL_ORDERS}
                  onChange={({ detail }) => set({ channel_order: detail.selectedOption.value as ChannelOrder })}
                  ariaLabel="Channel order"
                />
              </FormField>
              <SpaceBetween direction="horizontal" size="l">
                <FormField label="Approval required" description="Batches wait for an approver before sending.">
                  <Select
                    selectedOption={POLICY.find((option) => option.value === policyValue(input.approval_required)) ?? null}
                    options={POLICY}
                    onChange={({ detail }) => set({ approval_required: policyOf(detail.selectedOption.value) })}
                    ariaLabel="Approval required"
                  />
                </FormField>
                <FormField label="Four-eyes approval" description="The creator of a batch cannot approve it.">
                  <Select
                    selectedOption={POLICY.find((option) => option.value === policyValue(input.four_eyes)) ?? null}
                    options={POLICY}
                    onChange={({ detail }) => set({ four_eyes: policyOf(detail.selectedOption.value) })}
                    ariaLabel="Four-eyes approval"
                  />
                </FormField>
              </SpaceBetween>
            </SpaceBetween>
          </Container>
          <Container
            header={
              <Header variant="h2" description="The columns of a recipients file, in order. An email or a phone column is needed to send.">
                {LABELS.processes.fields}
              </Header>
            }
          >
            <AttributeEditor
              items={input.fields}
              addButtonText={LABELS.processes.addField}
              removeButtonText="Remove"
              removeButtonAriaLabel={(item) => `Remove field ${item.name || 'without a name'}`}
              onAddButtonClick={() => set({ fields: [...input.fields, { name: '', label: '', type: 'string', required: false }] })}
              onRemoveButtonClick={({ detail }) => set({ fields: input.fields.filter((_, at) => at !== detail.itemIndex) })}
              empty="No fields: a process needs at least one."
              definition={[
                {
                  label: 'Name (the column heading)',
                  control: (field, index) => (
                    <Input value={field.name} ariaLabel={LABELS.processes.fieldName(index)} onChange={({ detail }) => setField(index, { name: detail.value })} />
                  ),
                  errorText: (_field, index) => (tried ? problems.fields[index] : undefined),
                },
                {
                  label: 'Label',
                  control: (field, index) => (
                    <Input value={field.label ?? ''} ariaLabel={LABELS.processes.fieldLabel(index)} onChange={({ detail }) => setField(index, { label: detail.value || null })} />
                  ),
                },
                {
                  label: 'Type',
                  control: (field, index) => (
                    <Select
                      selectedOption={FIELD_TYPES.find((option) => option.value === field.type) ?? null}
                      options={FIELD_TYPES}
                      ariaLabel={LABELS.processes.fieldType(index)}
                      onChange={({ detail }) => setField(index, { type: detail.selectedOption.value as FieldType })}
                    />
                  ),
                },
                {
                  label: 'Required',
                  control: (field, index) => (
                    <Checkbox checked={field.required} ariaLabel={LABELS.processes.fieldRequired(index)} onChange={({ detail }) => setField(index, { required: detail.checked })} />
                  ),
                },
              ]}
            />
          </Container>
        </SpaceBetween>
      </Form>
    </form>
  );
}
