/** A console address that names no screen. */
import Box from '@cloudscape-design/components/box';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';

import { RouterLink } from '../../common/links';
import { usePageTitle } from '../../common/shell';

export default function NotFoundPage() {
  usePageTitle([{ text: 'Not found', href: '#' }]);
  return (
    <Container header={<Header variant="h1">This page does not exist</Header>}>
      <Box>
        Go to the <RouterLink href="/batches">batches</RouterLink>.
      </Box>
    </Container>
  );
}
