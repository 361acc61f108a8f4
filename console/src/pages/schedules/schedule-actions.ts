/** What may be done with a schedule now, and why not (no React: unit-tested). */
import type { ScheduleDetail } from '../../api/models';
import { atLeast, type Identity } from '../../auth/identity';

export type Action = 'edit' | 'pause' | 'resume' | 'cancel';
export const UPCOMING_STATES = ['scheduled', 'recurring', 'recurring_paused'];

/** Whether an action may be taken now, and why not (mirrors dispatch/schedules/service.py). */
export function scheduleAction(action: Action, schedule: Pick<ScheduleDetail, 'state' | 'processing'>, who: Identity): { allowed: boolean; reason?: string } {
  if (!atLeast(who.role, 'admin')) return { allowed: false, reason: 'Managing schedules needs the admin role.' };
  const upcoming = UPCOMING_STATES.includes(schedule.state);
  switch (action) {
    case 'edit':
      if (!upcoming) return { allowed: false, reason: `A ${schedule.state} schedule can no longer be changed.` };
      if (schedule.state !== 'scheduled' && schedule.processing) return { allowed: false, reason: 'It is processing a run: change it when the run is done.' };
      return { allowed: true };
    case 'pause':
      return schedule.state === 'recurring' ? { allowed: true } : { allowed: false, reason: 'Only a recurring schedule can be paused.' };
    case 'resume':
      return schedule.state === 'recurring_paused' ? { allowed: true } : { allowed: false, reason: 'Only a paused schedule can be resumed.' };
    case 'cancel':
      return upcoming ? { allowed: true } : { allowed: false, reason: 'Only an upcoming schedule can be cancelled.' };
  }
}
