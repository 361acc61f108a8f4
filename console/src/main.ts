/**
 * Start-up: read config.json, finish any sign-in in progress, then show the console to a
 * signed-in user, or send them to sign in and back to the page they asked for.
 *
 * This entry is kept free of React and Cloudscape (ui.tsx has them), so that it runs as soon as it
 * arrives: the console's code downloads and compiles while config.json is read and, on the first
 * screen, while the batches list is already being asked for.
 */
import { createApi } from './api/client';
import { messageOf } from './api/errors';
import { currentPath } from './auth/auth';
import { createAuth } from './auth/create-auth';
import { loadConfig } from './config';
import { isFirstScreen, startFirstScreen } from './first-screen';

const ui = import('./ui');
// Most visits start on the batches list: its code loads meanwhile too, and so does Cognito's sign-in
// in the AWS build.
if (isFirstScreen(window.location.pathname)) {
  void import('./pages/batches/batches-page');
}
if (!__DEV_SIGN_IN__) {
  void import('./auth/cognito');
}

async function start(): Promise<void> {
  const config = await loadConfig();
  const auth = await createAuth(config);
  const next = await auth.start();
  if (next) {
    window.history.replaceState(null, '', next);
  }
  const identity = auth.identity();
  if (__DEV_SIGN_IN__ && window.location.pathname === '/sign-in') {
    (await ui).renderPublic();
  } else if (identity) {
    const api = createApi(config.apiUrl, () => auth.token(), () => auth.signIn(currentPath()));
    // An agent's console starts on their workspace (they may not read batches).
    const firstScreen = identity.role === 'agent' ? null : startFirstScreen(api);
    (await ui).renderApp({ auth, api, identity, firstScreen });
  } else {
    auth.signIn(currentPath());
  }
}

start().catch((error: unknown) => {
  ui.then(
    ({ renderFailure }) => renderFailure(messageOf(error)),
    () => {
      // The console's code itself could not be loaded: say so in plain text.
      const root = document.getElementById('root');
      if (root) root.textContent = `The console could not start: ${messageOf(error)}`;
    },
  );
});
