/**
 * How a lead (a card in agents' hands or waiting for them) is named and described in the
 * workspace and the queues: by the person it is about, from the row's values, else its address.
 */
import type { AssignmentState } from '../api/models';

interface LeadLike {
  row: number;
  email: string | null;
  phone: string | null;
  values: Record<string, unknown>;
}

const FIRST = ['first_name', 'firstname', 'given_name'];
const LAST = ['last_name', 'lastname', 'surname', 'family_name'];
const FULL = ['name', 'full_name', 'fullname'];

function valueOf(values: Record<string, unknown>, names: readonly string[]): string {
  for (const [key, value] of Object.entries(values)) {
    if (names.includes(key.toLowerCase()) && value !== null && value !== undefined && String(value).trim()) {
      return String(value).trim();
    }
  }
  return '';
}

/** "Ada Lovelace", else the full-name field, else the email or phone, else "Row 2". */
export function leadName(lead: LeadLike): string {
  const person = [valueOf(lead.values, FIRST), valueOf(lead.values, LAST)].filter(Boolean).join(' ');
  return person || valueOf(lead.values, FULL) || lead.email || lead.phone || `Row ${lead.row}`;
}

/** The ways to reach the lead, in words. */
export function leadContact(lead: Pick<LeadLike, 'email' | 'phone'>): string {
  return [lead.email, lead.phone].filter(Boolean).join(' · ') || '-';
}

export const QUEUE_LABEL: Record<'prospects' | 'lead_exception' | 'unassigned' | 'offered' | 'available', string> = {
  prospects: 'Prospects',
  lead_exception: 'Lead Exception',
  unassigned: 'Unassigned',
  offered: 'Offered',
  available: 'Claimable',
};

/** Why a card is where it is, in words (the assignment's state and its reason). */
export function assignmentWords(state: AssignmentState, reason: string | null): string {
  const words: Record<AssignmentState, string> = {
    prospect: 'Prospect: not assigned',
    assigned: 'Assigned',
    available: 'Waiting for the first claim',
    offered: 'Offered (ring all)',
    unassigned: 'Waiting for business hours',
    lead_exception: 'Lead Exception: no eligible or available agent',
  };
  return reason ? `${words[state]} (${reason})` : words[state];
}
