import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [react()],
  define: { __DEV_SIGN_IN__: 'false' },
  test: {
    environment: 'jsdom',
    include: ['tests/unit/**/*.test.{ts,tsx}'],
    css: false,
    server: { deps: { inline: [/@cloudscape-design/] } },
  },
});
