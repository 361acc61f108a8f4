/**
 * Schedules over the typed client (PRODUCT §6): "Upcoming" and "All" paged on the server, one
 * entry with its recent runs, its preview, the preview of a draft before saving, and every change
 * (create, edit, pause, resume, cancel with "save as template"), and the saved templates.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { unwrap } from '../api/client';
import type { Schedule, ScheduleDraft, ScheduleEdit, ScheduleInput } from '../api/models';
import { useNotifications } from '../common/notifications';
import { useApi } from '../common/session';
import { keys } from './keys';

const path = (scheduleId: string) => ({ params: { path: { schedule_id: scheduleId } } });
/** An entry processing a run, or due within the minute, changes without anyone acting. */
const WATCH_MS = 5_000;

export function useSchedulesPage(view: 'upcoming' | 'all', cursor: string | null) {
  const api = useApi();
  return useQuery({
    queryKey: keys.schedulePage(view, cursor),
    queryFn: () => unwrap(api.GET('/schedules', { params: { query: { view, limit: 25, cursor: cursor ?? undefined } } })),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (query.state.data?.items.some((item) => item.processing) ? WATCH_MS : false),
  });
}

export function useSchedule(scheduleId: string) {
  const api = useApi();
  return useQuery({
    queryKey: keys.schedule(scheduleId),
    queryFn: () => unwrap(api.GET('/schedules/{schedule_id}', path(scheduleId))),
    enabled: scheduleId !== '',
    refetchInterval: WATCH_MS, // runs arrive by the scheduler, not by this page
  });
}

export function useSchedulePreview(scheduleId: string, enabled: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: keys.schedulePreview(scheduleId),
    queryFn: () => unwrap(api.GET('/schedules/{schedule_id}/preview', { ...path(scheduleId), params: { ...path(scheduleId).params, query: { count: 5 } } })),
    enabled: enabled && scheduleId !== '',
  });
}

/** The preview of what the editor holds, before saving (nothing is saved). */
export function useDraftPreview() {
  const api = useApi();
  return useMutation({
    mutationFn: (draft: ScheduleDraft) => unwrap(api.POST('/schedules/preview', { body: draft, params: { query: { count: 5 } } })),
    meta: { quiet: true },
  });
}

function useScheduleChange<Variables>(call: (variables: Variables) => Promise<Schedule>, success: (schedule: Schedule) => string) {
  const client = useQueryClient();
  const { notify } = useNotifications();
  return useMutation({
    mutationFn: call,
    onSuccess: (schedule) => {
      void client.invalidateQueries({ queryKey: keys.schedules });
      notify({ type: 'success', content: success(schedule) });
    },
  });
}

export function useCreateSchedule() {
  const api = useApi();
  return useScheduleChange(
    (body: ScheduleInput) => unwrap(api.POST('/schedules', { body })),
    (schedule) => `Schedule "${schedule.name}" saved: ${schedule.timing.description}.`,
  );
}

export function useEditSchedule() {
  const api = useApi();
  return useScheduleChange(
    ({ scheduleId, body }: { scheduleId: string; body: ScheduleEdit }) => unwrap(api.PATCH('/schedules/{schedule_id}', { ...path(scheduleId), body })),
    (schedule) => `Schedule "${schedule.name}" saved: ${schedule.timing.description}.`,
  );
}

export function usePauseSchedule() {
  const api = useApi();
  return useScheduleChange(
    (scheduleId: string) => unwrap(api.POST('/schedules/{schedule_id}/pause', path(scheduleId))),
    (schedule) => `Schedule "${schedule.name}" paused: it stays in Upcoming and fires nothing until resumed.`,
  );
}

export function useResumeSchedule() {
  const api = useApi();
  return useScheduleChange(
    (scheduleId: string) => unwrap(api.POST('/schedules/{schedule_id}/resume', path(scheduleId))),
    (schedule) => `Schedule "${schedule.name}" resumed.`,
  );
}

export function useCancelSchedule() {
  const api = useApi();
  const client = useQueryClient();
  return useScheduleChange(
    async ({ scheduleId, saveAsTemplate, templateName }: { scheduleId: string; saveAsTemplate: boolean; templateName: string }) => {
      const cancelled = await unwrap(
        api.POST('/schedules/{schedule_id}/cancel', {
          ...path(scheduleId),
          body: { save_as_template: saveAsTemplate, template_name: templateName.trim() || null },
        }),
      );
      void client.invalidateQueries({ queryKey: keys.scheduleTemplates });
      return cancelled;
    },
    (schedule) => `Schedule "${schedule.name}" cancelled.`,
  );
}

export function useScheduleTemplates() {
  const api = useApi();
  return useQuery({
    queryKey: keys.scheduleTemplates,
    queryFn: async () => (await unwrap(api.GET('/schedule-templates'))).items,
  });
}

export function useDeleteScheduleTemplate() {
  const api = useApi();
  const client = useQueryClient();
  const { notify } = useNotifications();
  return useMutation({
    mutationFn: (templateId: string) => unwrap(api.DELETE('/schedule-templates/{template_id}', { params: { path: { template_id: templateId } } })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: keys.scheduleTemplates });
      notify({ type: 'success', content: 'Template deleted. Schedules made from it keep their own copy.' });
    },
  });
}
