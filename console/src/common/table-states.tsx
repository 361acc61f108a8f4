/** The empty and no-match states every table shows (STYLE 16). */
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import type { ReactNode } from 'react';

export function TableEmptyState({ title, body, action }: { title: string; body: string; action?: ReactNode }) {
  return (
    <Box margin={{ vertical: 'xs' }} textAlign="center" color="inherit">
      <Box variant="strong" color="inherit">
        {title}
      </Box>
      <Box variant="p" padding={{ bottom: 's' }} color="inherit">
        {body}
      </Box>
      {action}
    </Box>
  );
}

export function TableNoMatchState({ title, body, onClear }: { title: string; body: string; onClear: () => void }) {
  return (
    <TableEmptyState title={title} body={body} action={<Button onClick={onClear}>Clear filter</Button>} />
  );
}
