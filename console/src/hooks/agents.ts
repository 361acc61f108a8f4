/**
 * Agents and distribution groups (admin), over the typed client. The lists are read whole (pages
 * of 100 followed to the end): an organisation has tens of agents and a few groups, and the
 * screens need all of them at once (a group's members by name, the cards each agent holds).
 */
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';

import { unwrap, type Api } from '../api/client';
import type { Agent, AgentInput, Group, GroupView } from '../api/models';
import { useNotifications } from '../common/notifications';
import { useApi } from '../common/session';
import { keys } from './keys';

async function allPages<T>(read: (cursor: string | undefined) => Promise<{ items: T[]; next_cursor: string | null }>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await read(cursor);
    items.push(...page.items);
    if (!page.next_cursor) return items;
    cursor = page.next_cursor;
  }
}

export const readAgents = (api: Api): Promise<Agent[]> =>
  allPages((cursor) => unwrap(api.GET('/agents', { params: { query: { limit: 100, cursor } } })));

export const readGroups = (api: Api): Promise<Group[]> =>
  allPages((cursor) => unwrap(api.GET('/groups', { params: { query: { limit: 100, cursor } } })));

export function useAgents(enabled = true) {
  const api = useApi();
  return useQuery({ queryKey: keys.agents, queryFn: () => readAgents(api), enabled });
}

export function useGroups(enabled = true) {
  const api = useApi();
  return useQuery({ queryKey: keys.groups, queryFn: () => readGroups(api), enabled });
}

/** Each group with its rotation (members in order, the cards each holds in the group). */
export function useGroupViews(groups: readonly Group[]) {
  const api = useApi();
  return useQueries({
    queries: groups.map((group) => ({
      queryKey: keys.group(group.id),
      queryFn: () => unwrap(api.GET('/groups/{group_id}', { params: { path: { group_id: group.id } } })),
    })),
    combine: (results) => ({
      groups: results.map((result) => result.data).filter((view): view is GroupView => view !== undefined),
      loading: results.some((result) => result.isPending),
    }),
  });
}

function useAgentsMutation<Variables, Result>(call: (api: Api, variables: Variables) => Promise<Result>, success: (result: Result, variables: Variables) => string) {
  const api = useApi();
  const client = useQueryClient();
  const { notify } = useNotifications();
  return useMutation({
    mutationFn: (variables: Variables) => call(api, variables),
    onSuccess: (result, variables) => {
      void client.invalidateQueries({ queryKey: keys.agents });
      void client.invalidateQueries({ queryKey: keys.groups });
      notify({ type: 'success', content: success(result, variables) });
    },
  });
}

export const useSaveAgent = () =>
  useAgentsMutation(
    (api, { id, body }: { id: string | null; body: AgentInput }) =>
      id
        ? unwrap(api.PUT('/agents/{agent_id}', { params: { path: { agent_id: id } }, body }))
        : unwrap(api.POST('/agents', { body })),
    (agent, { id }) => (id ? `Agent "${agent.name}" saved.` : `Agent "${agent.name}" created.`),
  );

export const useDeleteAgent = () =>
  useAgentsMutation(
    (api, agent: Agent) => unwrap(api.DELETE('/agents/{agent_id}', { params: { path: { agent_id: agent.id } } })),
    (_result, agent) => `Agent "${agent.name}" deleted.`,
  );

export const useImportAgents = () =>
  useAgentsMutation(
    (api, body: { file_name: string; content_base64: string }) => unwrap(api.POST('/agents/import', { body })),
    (result) => `${result.rows} rows read: ${result.created} agents created, ${result.updated} updated, ${result.errors.length} rows not applied.`,
  );

export const useSaveGroup = () =>
  useAgentsMutation(
    (api, { id, body }: { id: string | null; body: { name: string; default_agent_id: string | null } }) =>
      id
        ? unwrap(api.PUT('/groups/{group_id}', { params: { path: { group_id: id } }, body }))
        : unwrap(api.POST('/groups', { body })),
    (group, { id }) => (id ? `Group "${group.name}" saved.` : `Group "${group.name}" created.`),
  );

export const useDeleteGroup = () =>
  useAgentsMutation(
    (api, group: Group) => unwrap(api.DELETE('/groups/{group_id}', { params: { path: { group_id: group.id } } })),
    (_result, group) => `Group "${group.name}" deleted.`,
  );
