/**
 * Who holds how many cards, from the groups' rotations (each member's cards assigned in that
 * group): an agent's total is the sum over their groups.
 */
import type { GroupView } from '../../api/models';

export function cardsHeld(groups: readonly GroupView[]): Map<string, number> {
  const held = new Map<string, number>();
  for (const group of groups) {
    for (const place of group.rotation) held.set(place.agent_id, (held.get(place.agent_id) ?? 0) + place.assigned);
  }
  return held;
}
