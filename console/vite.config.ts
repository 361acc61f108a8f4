/**
 * Two builds from one source: `--mode aws` (Cognito hosted UI sign-in, uploaded to the console
 * bucket) and `--mode local-stack` (adds the development sign-in; served by the local stack). The
 * development sign-in is compiled out of the AWS build by the `__DEV_SIGN_IN__` constant, and
 * tests/unit/bundle.test.ts proves it is absent from dist/aws.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export const MODES = ['aws', 'local-stack'] as const;

export default defineConfig(({ mode }) => {
  if (mode !== 'test' && !(MODES as readonly string[]).includes(mode)) {
    throw new Error(`build with --mode ${MODES.join(' or --mode ')} (got ${mode})`);
  }
  return {
    plugins: [react()],
    define: { __DEV_SIGN_IN__: JSON.stringify(mode === 'local-stack') },
    build: {
      outDir: `dist/${mode}`,
      emptyOutDir: true,
      manifest: true,
      target: 'es2022',
      chunkSizeWarningLimit: 1500,
    },
  };
});
