import createWrapper from '@cloudscape-design/components/test-utils/dom';
import { fireEvent, screen, within } from '@testing-library/react';
import { cleanup } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';

import { BatchActions } from '../../src/pages/batch-detail/batch-actions';
import { addressed } from '../../src/pages/batch-detail/dry-run';
import { COLUMN_DEFINITIONS } from '../../src/pages/batches/batches-config';
import { DistributeModal, confirms } from '../../src/pages/card-detail/distribute-modal';
import { batch, card, who } from './fixtures';
import { renderWith } from './render';

afterEach(cleanup);

const disabled = (element: HTMLElement) => element.hasAttribute('disabled') || element.getAttribute('aria-disabled') === 'true';

describe('the batches table', () => {
  it('shows the status in words, "Admin Rejection" for a rejected batch, and "X/Y sent"', () => {
    const status = COLUMN_DEFINITIONS.find((column) => column.id === 'status');
    const sent = COLUMN_DEFINITIONS.find((column) => column.id === 'sent');
    renderWith(<>{status?.cell(batch({ status: 'rejected' }))}</>, who('sender'));
    expect(screen.getByText('Admin Rejection')).toBeTruthy();
    expect(sent?.cell(batch({ sent_label: '3/4 sent' }))).toBe('3/4 sent');
    expect(COLUMN_DEFINITIONS.filter((column) => column.sortingField).map((column) => column.id)).toEqual(['name', 'created']);
  });

  it('names the sender by email, not by user id', () => {
    const sender = COLUMN_DEFINITIONS.find((column) => column.id === 'sender');
    expect(sender?.cell(batch())).toBe('sender@acme.test');
    expect(sender?.cell(batch({ created_by: 's3-drop', created_by_email: null }))).toBe('S3 drop');
  });
});

describe('the dry run', () => {
  it('says when a card has no address for a channel its process writes to', () => {
    expect(addressed('Email', 'ada@example.com')).toBe('Email to ada@example.com');
    expect(addressed('SMS', null)).toBe('SMS: this card has no phone number');
  });
});

describe('the batch actions', () => {
  const buttons = () => createWrapper(document.body);

  it('are disabled with the reason for a sender, enabled for an approver', () => {
    renderWith(<BatchActions batch={batch()} who={who('sender')} policy={{ fourEyes: false }} />, who('sender'));
    expect(disabled(screen.getByRole('button', { name: 'Approve' }))).toBe(true);
    cleanup();
    renderWith(<BatchActions batch={batch()} who={who('approver')} policy={{ fourEyes: false }} />, who('approver'));
    expect(disabled(screen.getByRole('button', { name: 'Approve' }))).toBe(false);
  });

  it('block the creator under four-eyes', () => {
    const mine = batch({ created_by: who('approver').userId });
    renderWith(<BatchActions batch={mine} who={who('approver')} policy={{ fourEyes: true }} />, who('approver'));
    expect(disabled(screen.getByRole('button', { name: 'Approve' }))).toBe(true);
    expect(disabled(screen.getByRole('button', { name: 'Reject' }))).toBe(false);
  });

  it('ask before completing and say how many unsent cards go', () => {
    const approved = batch({ status: 'approved', auto_distribute: false, counters: { ...batch().counters, by_status: { ready: 3, sent: 1 } } });
    renderWith(<BatchActions batch={approved} who={who('sender')} policy={{ fourEyes: false }} />, who('sender'));
    const dropdown = buttons().findButtonDropdown();
    dropdown?.openDropdown();
    dropdown?.findItemById('complete')?.click();
    const dialog = screen.getByRole('dialog');
    expect(within(dialog).getByText('3 unsent cards will be removed. The batch is kept for reference.')).toBeTruthy();
  });
});

describe('distributing a card', () => {
  it('needs the address typed: emails in any case, phones by their digits', () => {
    expect(confirms('ADA@example.com ', 'ada@example.com')).toBe(true);
    expect(confirms('ada@example.org', 'ada@example.com')).toBe(false);
    expect(confirms('+1 (415) 555-0101', '+14155550101')).toBe(true);
    expect(confirms('', '+14155550101')).toBe(false);
  });

  it('warns that an unconfirmed card may arrive twice and asks the approver to say so', () => {
    renderWith(<DistributeModal card={card({ status: 'unconfirmed' })} onClose={() => undefined} />, who('approver'));
    expect(screen.getByText('This may send a second copy')).toBeTruthy();
    const send = screen.getByRole('button', { name: 'Resend by email' });
    expect(disabled(send)).toBe(true);
    fireEvent.change(screen.getByLabelText("Recipient's address"), { target: { value: 'ada@example.com' } });
    expect(disabled(send)).toBe(true); // not yet: the warning is not acknowledged
    fireEvent.click(screen.getByRole('checkbox', { name: 'I understand the recipient may receive this card twice.' }));
    expect(disabled(send)).toBe(false);
  });
});
