/**
 * The console's user interface: React, Cloudscape and its styles, loaded by the start-up (main.ts)
 * while it reads config.json and signs the user in. The start-up then renders one of these.
 */
import '@cloudscape-design/global-styles/index.css';
import './styles.css';

import Alert from '@cloudscape-design/components/alert';
import { StrictMode, type ComponentProps, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';

import { App, PublicApp } from './app';
import { Centered } from './common/shell';

let root: Root | null = null;
function render(node: ReactNode): void {
  root ??= createRoot(document.getElementById('root') as HTMLElement);
  root.render(<StrictMode>{node}</StrictMode>);
}

/** The console of a signed-in user. */
export function renderApp(props: ComponentProps<typeof App>): void {
  render(<App {...props} />);
}

/** The screens for a visitor who is not signed in (the development sign-in, locally). */
export function renderPublic(): void {
  render(<PublicApp />);
}

export function renderFailure(message: string): void {
  render(
    <Centered>
      <Alert type="error" header="The console could not start">
        {message}
      </Alert>
    </Centered>,
  );
}
