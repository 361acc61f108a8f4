/**
 * The side navigation's entries for agents' work (PRODUCT §7, §11), by role: an agent sees only
 * their workspace; sender and above the lead queues; admins also agents and groups and the
 * organisation's settings. Kept apart from shell.tsx so that screens added beside these stay
 * separate edits.
 */
import type { SideNavigationProps } from '@cloudscape-design/components/side-navigation';

import type { Identity } from '../auth/identity';
import { canManageAgents, canWorkQueues, isAgent } from './permissions';

export function agentsNavigation(identity: Identity): SideNavigationProps.Item[] {
  const items: SideNavigationProps.Item[] = [];
  if (isAgent(identity)) items.push({ type: 'link', text: 'My work', href: '/workspace' });
  if (canWorkQueues(identity)) items.push({ type: 'link', text: 'Lead queues', href: '/queues' });
  if (canManageAgents(identity)) {
    items.push({ type: 'link', text: 'Agents and groups', href: '/agents' });
    items.push({ type: 'link', text: 'Organisation', href: '/organisation' });
  }
  return items;
}

/** Where a user's console starts: an agent's workspace, everyone else's batches. */
export function homeOf(identity: Identity): string {
  return isAgent(identity) ? '/workspace' : '/batches';
}
