/** The caller's organisation settings (its approval policy decides four-eyes for the batch screen), saving them, and the business hours' "open now?" check. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { unwrap } from '../api/client';
import type { BusinessHours, OrganisationSettings } from '../api/models';
import { useNotifications } from '../common/notifications';
import { useApi } from '../common/session';
import { keys } from './keys';

export function useOrganisation() {
  const api = useApi();
  return useQuery({
    queryKey: keys.organisation,
    queryFn: () => unwrap(api.GET('/organisation')),
    staleTime: 60_000,
  });
}

export function useSaveOrganisation() {
  const api = useApi();
  const client = useQueryClient();
  const { notify } = useNotifications();
  return useMutation({
    mutationFn: (body: OrganisationSettings) => unwrap(api.PUT('/organisation', { body })),
    onSuccess: (saved) => {
      client.setQueryData(keys.organisation, saved);
      void client.invalidateQueries({ queryKey: keys.batches });
      notify({ type: 'success', content: 'Organisation settings saved.' });
    },
  });
}

/** Whether `hours` (as edited, not saved) are open now by the API's clock, and when they next open and close. */
export function useHoursCheck(hours: BusinessHours | null) {
  const api = useApi();
  return useQuery({
    queryKey: ['organisation', 'hours-check', hours],
    queryFn: () => unwrap(api.POST('/organisation/business-hours/check', { body: { business_hours: hours as BusinessHours } })),
    enabled: hours !== null,
    retry: false,
    refetchInterval: 60_000,
  });
}
