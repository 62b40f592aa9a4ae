// Vite config of the admin web shell (R1.4/R1.5).
// Build: npx vite build --config web/vite.config.mts  → /work/main/dist/web
// Dev:   npx vite --config web/vite.config.mts  (proxies /api to EXAMSITE_API, default http://127.0.0.1:9190)
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const apiTarget = process.env.EXAMSITE_API ?? 'http://127.0.0.1:9190';

export default defineConfig({
  root: webRoot,
  base: '/',
  plugins: [vue()],
  resolve: {
    // Plugin web code (plugins/*/web) imports the shell helpers as '@web/api' etc.
    alias: { '@web': fileURLToPath(new URL('./src', import.meta.url)) },
    // One Vue and one Element Plus for the shell and every in-repo plugin.
    dedupe: ['vue', 'element-plus'],
  },
  server: {
    // plugins/*/web lives outside web/: allow serving it in dev.
    fs: { allow: [repoRoot] },
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
    },
  },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
});
