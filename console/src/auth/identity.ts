/**
 * Who is signed in, read from the ID token's claims the same way the API reads them
 * (dispatch/auth.py): groups are the roles (staff roles cumulative, `agent` beside them), `custom:org_id` is the organisation, and
 * `sub` is the identity; the email is for display only.
 */

/** The staff roles, in rank order (each includes the one before). */
export const STAFF_ROLES = ['sender', 'approver', 'admin'] as const;
/**
 * Every role a user may sign in with: the staff ranks, and `agent` — not a rank but a capability
 * beside them (an agent works the cards assigned to them, and nothing else).
 */
export const ROLES = [...STAFF_ROLES, 'agent'] as const;
export type Role = (typeof ROLES)[number];

export interface Identity {
  userId: string;
  email: string;
  orgId: string;
  role: Role;
  /** Seconds since the epoch. */
  expiresAt: number;
}

function groups(raw: unknown): string[] {
  if (Array.isArray(raw)) {
    return raw.map(String);
  }
  const trimmed = String(raw ?? '').replace(/^\[|\]$/g, '');
  return trimmed.split(/[\s,]+/).filter(Boolean);
}

type StaffRole = (typeof STAFF_ROLES)[number];
const rank = (role: Role): number => (STAFF_ROLES as readonly Role[]).indexOf(role);

/** Whether a role may do what `needed` may (approver ⊃ sender, admin ⊃ approver; an agent holds no staff role). */
export function atLeast(role: Role, needed: StaffRole): boolean {
  return rank(role) >= rank(needed);
}

export function identityFromClaims(claims: Record<string, unknown>): Identity | null {
  const userId = typeof claims['sub'] === 'string' ? claims['sub'] : '';
  const orgId = typeof claims['custom:org_id'] === 'string' ? claims['custom:org_id'] : '';
  const roles = groups(claims['cognito:groups']).filter((name): name is Role =>
    (ROLES as readonly string[]).includes(name),
  );
  const expiresAt = typeof claims['exp'] === 'number' ? claims['exp'] : 0;
  if (!userId || !orgId || roles.length === 0) {
    return null;
  }
  // The highest staff role; `agent` only for a user with no staff role (as dispatch/auth.py reads it).
  const role = roles.reduce((best, next) => (rank(next) > rank(best) ? next : best));
  const email = typeof claims['email'] === 'string' ? claims['email'] : userId;
  return { userId, email, orgId, role, expiresAt };
}

/** The claims of a JWT-shaped token (`header.payload.signature`, or the local `dev.payload.sig`). */
export function claimsOf(token: string): Record<string, unknown> | null {
  const payload = token.split('.')[1];
  if (!payload) {
    return null;
  }
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
    const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
