// Builds the example vendor panel: `npm run build:vendor-example` → ../web/index.js (committed).
// A library ES module; vue, element-plus and @examsite/web-host stay imports, resolved at run
// time by the shell's import map (core/http/web-import-map.ts) to the shell's own instances.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

const here = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));

export default defineConfig({
  root: here('.'),
  plugins: [vue()],
  // No process.env in a browser module.
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    outDir: here('../web'),
    emptyOutDir: true,
    // Readable output: a site operator or reviewer can see what the vendor ships.
    minify: false,
    lib: { entry: here('./index.ts'), formats: ['es'], fileName: () => 'index.js' },
    rolldownOptions: { external: ['vue', 'element-plus', '@examsite/web-host'] },
  },
});
