/** The caller's organisation settings (its approval policy decides four-eyes for the batch screen). */
import { useQuery } from '@tanstack/react-query';

import { unwrap } from '../api/client';
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
