// Vite config of the admin web shell (R1.4/R1.5).
// Build: npx vite build --config web/vite.config.mts  → /work/main/dist/web
// Dev:   npx vite --config web/vite.config.mts  (proxies /api to EXAMSITE_API, default http://127.0.0.1:9190)
// Vendor panels need the built shell: the /host/ modules of the import map exist only in the build.
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import vue from '@vitejs/plugin-vue';
import { WEB_IMPORT_MAP_JSON } from '../core/http/web-import-map';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const apiTarget = process.env.EXAMSITE_API ?? 'http://127.0.0.1:9190';
const src = (rel: string): string => fileURLToPath(new URL(`./src/${rel}`, import.meta.url));

/** Writes the import map first in <head>: its text must match the CSP hash exactly. */
function importMap(): Plugin {
  return {
    name: 'examsite-import-map',
    transformIndexHtml: () => [{ tag: 'script', attrs: { type: 'importmap' }, children: WEB_IMPORT_MAP_JSON, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  root: webRoot,
  base: '/',
  plugins: [vue(), importMap()],
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
    rolldownOptions: {
      // The shell, plus the import map's modules as entries of the same build: they share
      // its chunks, so a vendor panel gets the very Vue and Element Plus the shell runs.
      input: {
        index: fileURLToPath(new URL('./index.html', import.meta.url)),
        'host/vue': src('host/vue.ts'),
        'host/element-plus': src('host/element-plus.ts'),
        'host/web-host': src('host/web-host.ts'),
      },
      // Keep every export of the host entries (Vite drops entry exports of apps by default).
      preserveEntrySignatures: 'strict',
      output: {
        entryFileNames: (chunk) => (chunk.name.startsWith('host/') ? '[name].js' : 'assets/[name]-[hash].js'),
      },
    },
  },
});
