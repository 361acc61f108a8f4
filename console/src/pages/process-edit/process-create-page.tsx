/** Create a process (admin): it starts as a draft; its templates and publishing come next. */
import Button from '@cloudscape-design/components/button';
import { useNavigate } from 'react-router';

import { useFollow } from '../../common/links';
import { usePageTitle } from '../../common/shell';
import { useCreateProcess } from '../../hooks/processes';
import { EMPTY_PROCESS, ProcessForm } from './process-form';

export default function ProcessCreatePage() {
  usePageTitle([
    { text: 'Processes', href: '/processes' },
    { text: 'Create process', href: '/processes/new' },
  ]);
  const navigate = useNavigate();
  const follow = useFollow();
  const create = useCreateProcess();
  return (
    <ProcessForm
      initial={EMPTY_PROCESS}
      title="Create process"
      submitLabel="Create process"
      busy={create.isPending}
      error={create.error}
      onSubmit={(input) => create.mutate(input, { onSuccess: (process) => void navigate(`/processes/${process.id}`) })}
      cancel={
        <Button variant="link" href="/processes" onFollow={follow}>
          Cancel
        </Button>
      }
    />
  );
}
