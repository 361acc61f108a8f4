/**
 * "Distribute card" (PRODUCT §5): the operator confirms the recipient's address by typing it (the
 * API sends only to the card's own address, by the channel the address belongs to). An
 * `unconfirmed` card may already have reached its recipient: resending it is an approver's explicit
 * decision, after a warning that it may be a second copy.
 */
import Alert from '@cloudscape-design/components/alert';
import Checkbox from '@cloudscape-design/components/checkbox';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import RadioGroup from '@cloudscape-design/components/radio-group';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';

import type { Card } from '../../api/models';
import { ConfirmModal } from '../../common/confirm';
import { LABELS } from '../../common/strings';
import { useDistributeCard } from '../../hooks/cards';

/** Whether what was typed is this address: emails in any case, phone numbers by their digits. */
export function confirms(typed: string, address: string): boolean {
  const clean = typed.trim();
  if (!clean) return false;
  if (address.includes('@')) return clean.toLowerCase() === address.toLowerCase();
  const digits = (text: string) => text.replace(/\D/g, '');
  return digits(clean) !== '' && digits(clean) === digits(address);
}

export function DistributeModal({ card, onClose }: { card: Card; onClose: () => void }) {
  const addresses = [card.email, card.phone].filter((address): address is string => Boolean(address));
  const [address, setAddress] = useState(addresses[0] ?? '');
  const [typed, setTyped] = useState('');
  const [understood, setUnderstood] = useState(false);
  const distribute = useDistributeCard();
  const unconfirmed = card.status === 'unconfirmed';
  const resend = card.status !== 'ready';
  const ok = confirms(typed, address) && (!unconfirmed || understood);
  const channel = address.includes('@') ? 'email' : 'SMS';
  return (
    <ConfirmModal
      visible
      title={resend ? 'Resend the card' : 'Distribute the card'}
      confirmLabel={resend ? `Resend by ${channel}` : `Send by ${channel}`}
      busy={distribute.isPending}
      confirmDisabled={!ok}
      onCancel={onClose}
      onConfirm={() => distribute.mutate({ cardId: card.id, address: typed.trim() }, { onSuccess: onClose })}
    >
      <SpaceBetween size="m">
        {unconfirmed && (
          <Alert type="warning" header="This may send a second copy">
            The last send of this card was interrupted after it reached the provider, so the recipient may already have
            it. Resend only if you are sure it did not arrive.
          </Alert>
        )}
        {!unconfirmed && resend && <Alert type="info">The card was sent before: the recipient will get it again.</Alert>}
        {addresses.length > 1 && (
          <FormField label="Send to">
            <RadioGroup
              value={address}
              onChange={({ detail }) => {
                setAddress(detail.value);
                setTyped('');
              }}
              items={addresses.map((value) => ({ value, label: value, description: value.includes('@') ? 'Email' : 'SMS' }))}
              ariaLabel="Address to send to"
            />
          </FormField>
        )}
        <FormField
          label={LABELS.card.address}
          description={`Type ${address} to confirm who receives the card.`}
          controlId="distribute-address"
          errorText={typed && !confirms(typed, address) ? 'This is not the address shown above.' : undefined}
        >
          <Input controlId="distribute-address" value={typed} onChange={({ detail }) => setTyped(detail.value)} placeholder={address} />
        </FormField>
        {unconfirmed && (
          <Checkbox checked={understood} onChange={({ detail }) => setUnderstood(detail.checked)}>
            I understand the recipient may receive this card twice.
          </Checkbox>
        )}
      </SpaceBetween>
    </ConfirmModal>
  );
}
