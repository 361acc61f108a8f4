/** The letters bundle's link (no React: unit-tested). */
import type { Letters } from '../../api/models';

/** Whether a letters link can still be used (it expires; a new one is asked for without rebuilding). */
export function linkExpired(letters: Pick<Letters, 'expires_at'>, now: number = Date.now()): boolean {
  return letters.expires_at !== null && new Date(letters.expires_at).getTime() <= now;
}
