/**
 * Start-up: read config.json, finish any sign-in in progress, then show the console to a
 * signed-in user, or send them to sign in and back to the page they asked for.
 */
import '@cloudscape-design/global-styles/index.css';
import './styles.css';

import Alert from '@cloudscape-design/components/alert';
import Spinner from '@cloudscape-design/components/spinner';
import { StrictMode, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';

import { App, PublicApp } from './app';
import { messageOf } from './api/errors';
import { createAuth, currentPath } from './auth/auth';
import { Centered } from './common/shell';
import { loadConfig } from './config';
import { isFirstScreen, startFirstScreen } from './first-screen';
import { createApi } from './api/client';

// Most visits start on the batches list: its code, and the build's sign-in code, load while
// config.json is read.
if (isFirstScreen(window.location.pathname)) {
  void import('./pages/batches/batches-page');
}
void (__DEV_SIGN_IN__ ? import('./auth/dev/dev-auth') : import('./auth/cognito'));

const root = createRoot(document.getElementById('root') as HTMLElement);
const render = (node: ReactNode) => root.render(<StrictMode>{node}</StrictMode>);

async function start(): Promise<void> {
  render(
    <Centered>
      <Spinner size="large" /> Loading…
    </Centered>,
  );
  const config = await loadConfig();
  const auth = await createAuth(config);
  const next = await auth.start();
  if (next) {
    window.history.replaceState(null, '', next);
  }
  const identity = auth.identity();
  if (__DEV_SIGN_IN__ && window.location.pathname === '/sign-in') {
    render(<PublicApp />);
  } else if (identity) {
    const api = createApi(config.apiUrl, () => auth.token(), () => auth.signIn(currentPath()));
    render(<App auth={auth} api={api} identity={identity} firstScreen={startFirstScreen(api)} />);
  } else {
    auth.signIn(currentPath());
  }
}

start().catch((error: unknown) => {
  render(
    <Centered>
      <Alert type="error" header="The console could not start">
        {messageOf(error)}
      </Alert>
    </Centered>,
  );
});
