/**
 * The local stack's development sign-in (local build only): pick an email, a role and an
 * organisation; a development token like `dispatch token` is minted, and the user goes back to the
 * page they asked for.
 */
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useEffect, useState } from 'react';

import { safeReturn } from '../../auth/auth';
import { DevAuth, mintToken } from '../../auth/dev/dev-auth';
import { ROLES, type Role } from '../../auth/identity';
import { Centered } from '../../common/shell';
import { PRODUCT } from '../../common/strings';

const ROLE_OPTIONS = ROLES.map((role) => ({ value: role, label: role }));

export default function DevSignInPage() {
  const [user, setUser] = useState('');
  const [role, setRole] = useState<Role>('sender');
  const [org, setOrg] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const returnTo = safeReturn(new URLSearchParams(window.location.search).get('return'));
  useEffect(() => {
    document.title = `Sign in · ${PRODUCT}`;
  }, []);

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      new DevAuth().store(await mintToken({ user: user.trim(), role, org: org.trim() }));
      window.location.assign(returnTo);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : 'sign-in failed');
      setBusy(false);
    }
  };

  return (
    <Centered>
      <main>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void submit();
          }}
        >
          <Form
            header={<Header variant="h1" description="Local stack only: any email, role and organisation.">{`Sign in to ${PRODUCT}`}</Header>}
            actions={
              <Button variant="primary" formAction="submit" loading={busy} disabled={!user.trim() || !org.trim()}>
                Sign in
              </Button>
            }
          >
            <Container>
              <SpaceBetween size="m">
                {error && (
                  <Alert type="error" header="Could not sign in">
                    {error}
                  </Alert>
                )}
                <FormField label="Email" controlId="dev-email">
                  <Input controlId="dev-email" type="email" value={user} autoFocus onChange={({ detail }) => setUser(detail.value)} />
                </FormField>
                <FormField label="Role" controlId="dev-role" description="Roles are cumulative: an approver is also a sender, an admin also an approver. An agent works only the cards given to them.">
                  <Select
                    controlId="dev-role"
                    selectedOption={ROLE_OPTIONS.find((option) => option.value === role) ?? null}
                    options={ROLE_OPTIONS}
                    onChange={({ detail }) => setRole((detail.selectedOption.value ?? 'sender') as Role)}
                  />
                </FormField>
                <FormField label="Organisation" controlId="dev-org">
                  <Input controlId="dev-org" value={org} onChange={({ detail }) => setOrg(detail.value)} />
                </FormField>
                <Box variant="small">
                  Scripts can sign in directly: <code>?dev_user=EMAIL&amp;dev_role=ROLE&amp;dev_org=ORG</code> on any console address.
                </Box>
              </SpaceBetween>
            </Container>
          </Form>
        </form>
      </main>
    </Centered>
  );
}
