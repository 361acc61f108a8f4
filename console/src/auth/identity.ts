/**
 * Who is signed in, read from the ID token's claims the same way the API reads them
 * (dispatch/auth.py): groups are the roles (cumulative), `custom:org_id` is the organisation, and
 * `sub` is the identity; the email is for display only.
 */

export const ROLES = ['sender', 'approver', 'admin'] as const;
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

/** Whether a role may do what `needed` may (approver ⊃ sender, admin ⊃ approver). */
export function atLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
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
  const role = roles.reduce((best, next) => (atLeast(next, best) ? next : best));
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
