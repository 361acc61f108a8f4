/**
 * The organisation's settings (admin, PRODUCT §1, §11): name, timezone, default phone region,
 * sender identity, the approval policy (approval required, four-eyes) and business hours with
 * holidays. The form is the whole settings object (PUT replaces it); the settings this screen does
 * not edit (quiet hours, account protection, letters' return address) are sent back unchanged.
 */
import Alert from '@cloudscape-design/components/alert';
import Autosuggest from '@cloudscape-design/components/autosuggest';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Toggle from '@cloudscape-design/components/toggle';
import { useMemo, useState } from 'react';

import type { Organisation, OrganisationSettings } from '../../api/models';
import { problemsOf } from '../../api/errors';
import { canManageAgents } from '../../common/permissions';
import { useIdentity } from '../../common/session';
import { usePageTitle } from '../../common/shell';
import { useOrganisation, useSaveOrganisation } from '../../hooks/organisation';
import { draftOf, hoursOf, type HoursDraft } from './hours';
import { HoursEditor } from './hours-editor';

const ZONES: readonly string[] = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC'];

function SettingsForm({ saved }: { saved: Organisation }) {
  const identity = useIdentity();
  const admin = canManageAgents(identity);
  const save = useSaveOrganisation();
  const [name, setName] = useState(saved.name ?? '');
  const [timezone, setTimezone] = useState(saved.timezone);
  const [region, setRegion] = useState(saved.default_phone_region);
  const [sender, setSender] = useState(saved.sender_email ?? '');
  const [approval, setApproval] = useState(saved.approval_required);
  const [fourEyes, setFourEyes] = useState(saved.four_eyes);
  const [hours, setHours] = useState<HoursDraft>(() => draftOf(saved.business_hours));
  const zoneOptions = useMemo(() => ZONES.map((zone) => ({ value: zone })), []);
  const knownZone = ZONES.includes(timezone) || timezone === 'UTC';
  const regionValid = /^[A-Z]{2}$/.test(region);
  const businessHours = hoursOf(hours, timezone);
  const resends = (name.trim() || null) !== saved.name || (sender.trim() || null) !== saved.sender_email;

  const submit = () => {
    if (!businessHours) return;
    const { id: _id, ...rest } = saved;
    const body: OrganisationSettings = {
      ...rest,
      name: name.trim() || null,
      timezone,
      default_phone_region: region,
      sender_email: sender.trim() || null,
      approval_required: approval,
      four_eyes: fourEyes,
      business_hours: businessHours,
    };
    save.mutate(body);
  };

  return (
    <form onSubmit={(event) => event.preventDefault()}>
      <Form
        actions={
          <Button variant="primary" loading={save.isPending} disabled={!admin || !businessHours || !knownZone || !regionValid} onClick={submit}>
            Save settings
          </Button>
        }
        errorText={problemsOf(save.error).join(' ') || undefined}
      >
        <SpaceBetween size="l">
          {!admin && <Alert type="info">Only an admin can change these settings.</Alert>}
          <Container header={<Header variant="h2">Organisation</Header>}>
            <SpaceBetween size="m">
              <FormField label="Name" description="In every message sent." controlId="org-name">
                <Input controlId="org-name" value={name} disabled={!admin} onChange={({ detail }) => setName(detail.value)} />
              </FormField>
              <FormField label="Timezone" description="Business hours and schedules are read in it." errorText={knownZone ? undefined : `Unknown timezone "${timezone}": use an IANA name such as Europe/Paris.`} controlId="org-timezone">
                <Autosuggest
                  controlId="org-timezone"
                  value={timezone}
                  options={zoneOptions}
                  disabled={!admin}
                  enteredTextLabel={(value) => `Use "${value}"`}
                  clearAriaLabel="Clear timezone"
                  onChange={({ detail }) => setTimezone(detail.value)}
                  empty="No timezone matches"
                />
              </FormField>
              <FormField label="Default phone region" description="For phone numbers written without a country code (two letters, such as US or GB)." errorText={regionValid ? undefined : 'Two capital letters, such as US.'} controlId="org-region">
                <Input controlId="org-region" value={region} disabled={!admin} onChange={({ detail }) => setRegion(detail.value.toUpperCase())} />
              </FormField>
              <FormField label="Sender email" description="The From address of the organisation's emails: an SES-verified identity (checked when saved). Empty: the service's sender." controlId="org-sender">
                <Input controlId="org-sender" type="email" value={sender} disabled={!admin} onChange={({ detail }) => setSender(detail.value)} />
              </FormField>
              {resends && (
                <Alert type="warning">A new name or sender changes every message: approved batches go back to approval when you save.</Alert>
              )}
            </SpaceBetween>
          </Container>
          <Container header={<Header variant="h2">Approval</Header>}>
            <SpaceBetween size="m">
              <Toggle checked={approval} disabled={!admin} onChange={({ detail }) => setApproval(detail.checked)} description="A batch waits for an approver before it is sent (a process may say otherwise).">
                Approval required
              </Toggle>
              <Toggle checked={fourEyes} disabled={!admin} onChange={({ detail }) => setFourEyes(detail.checked)} description="The person who created a batch cannot approve it.">
                Four-eyes approval
              </Toggle>
            </SpaceBetween>
          </Container>
          <HoursEditor draft={hours} timezone={knownZone ? timezone : 'UTC'} onChange={setHours} />
        </SpaceBetween>
      </Form>
    </form>
  );
}

export default function OrganisationPage() {
  usePageTitle([{ text: 'Organisation', href: '/organisation' }]);
  const organisation = useOrganisation();
  return (
    <SpaceBetween size="l">
      <Header variant="h1" description="Settings every batch, card and agent of the organisation follows.">
        Organisation
      </Header>
      {organisation.data ? <SettingsForm key={organisation.data.id} saved={organisation.data} /> : <Spinner size="large" />}
    </SpaceBetween>
  );
}
