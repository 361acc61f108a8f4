/**
 * The dry run before approval (PRODUCT §4): three cards rendered as they would be sent — the email
 * HTML in a sandboxed frame with no scripts, no forms and no same-origin access — and when sending
 * would finish if approved now.
 */
import Box from '@cloudscape-design/components/box';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ExpandableSection from '@cloudscape-design/components/expandable-section';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import StatusIndicator from '@cloudscape-design/components/status-indicator';

import type { RenderedSample } from '../../api/models';
import { formatDuration, formatTime, plural } from '../../common/labels';
import { LABELS } from '../../common/strings';
import { useDryRun } from '../../hooks/batches';

/** Email HTML, shown safely: a sandboxed frame (an empty sandbox: no scripts, forms, popups or same origin). */
export function EmailFrame({ html, title }: { html: string; title: string }) {
  return <iframe className="email-preview" title={title} sandbox="" srcDoc={html} referrerPolicy="no-referrer" />;
}

/** A sample's recipient: a card may lack the address of a channel its process has a template for. */
export function addressed(channel: 'Email' | 'SMS', to: string | null): string {
  return to ? `${channel} to ${to}` : `${channel}: this card has no ${channel === 'SMS' ? 'phone number' : 'email address'}`;
}

function Sample({ sample }: { sample: RenderedSample }) {
  return (
    <Container header={<Header variant="h3">{`Row ${sample.row}`}</Header>}>
      <SpaceBetween size="s">
        {sample.error && <StatusIndicator type="error">{sample.error}</StatusIndicator>}
        {sample.email && (
          <SpaceBetween size="xs">
            <Box variant="awsui-key-label">{addressed('Email', sample.email.to)}</Box>
            <Box fontWeight="bold">{sample.email.subject}</Box>
            {sample.email.html ? (
              <EmailFrame html={sample.email.html} title={LABELS.batch.emailPreview(sample.row)} />
            ) : (
              <pre className="message-text">{sample.email.text}</pre>
            )}
            {sample.email.html && (
              <ExpandableSection headerText="Plain-text version">
                <pre className="message-text">{sample.email.text}</pre>
              </ExpandableSection>
            )}
          </SpaceBetween>
        )}
        {sample.sms && (
          <SpaceBetween size="xs">
            <Box variant="awsui-key-label">{addressed('SMS', sample.sms.to)}</Box>
            <pre className="message-text">{sample.sms.text}</pre>
          </SpaceBetween>
        )}
      </SpaceBetween>
    </Container>
  );
}

export function DryRun({ batchId }: { batchId: string }) {
  const dryRun = useDryRun(batchId, true);
  if (dryRun.isPending) {
    return (
      <Container header={<Header variant="h2">Dry run</Header>}>
        <Spinner /> Rendering samples…
      </Container>
    );
  }
  if (!dryRun.data) return null;
  const { estimate, samples } = dryRun.data;
  const messages = Object.entries(estimate.messages)
    .map(([channel, count]) => plural(count, channel === 'sms' ? 'SMS' : 'email', channel === 'sms' ? 'SMS' : 'emails'))
    .join(' and ');
  return (
    <Container
      header={
        <Header variant="h2" description="What approving would send: the first cards rendered as their recipients will see them.">
          Dry run
        </Header>
      }
    >
      <SpaceBetween size="l">
        <KeyValuePairs
          columns={3}
          items={[
            { label: 'Messages', value: messages || 'None' },
            { label: 'Time to send', value: formatDuration(estimate.seconds) },
            { label: 'Finished if approved now', value: formatTime(estimate.finish_at_if_approved_now) },
          ]}
        />
        <ColumnLayout columns={3}>
          {samples.map((sample) => (
            <Sample key={sample.card_id} sample={sample} />
          ))}
        </ColumnLayout>
        {!samples.length && <Box color="text-body-secondary">No card is ready to render.</Box>}
      </SpaceBetween>
    </Container>
  );
}
