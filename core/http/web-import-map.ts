import { createHash } from 'node:crypto';

/**
 * The shell's import map: bare imports a vendor panel (an ES module built with these
 * external) resolves to the shell's own instances, built by web/vite.config.mts as
 * stable, unhashed entry files under /host/. Browser-free data, shared by the Vite config
 * (which writes it into index.html) and the CSP (which allows exactly this inline script).
 */
export const WEB_IMPORT_MAP = {
  imports: {
    vue: '/host/vue.js',
    'element-plus': '/host/element-plus.js',
    '@examsite/web-host': '/host/web-host.js',
  },
} as const;

/** The exact text of the inline `<script type="importmap">` in index.html. */
export const WEB_IMPORT_MAP_JSON = JSON.stringify(WEB_IMPORT_MAP);

/** CSP source that allows that one inline script and no other. */
export const WEB_IMPORT_MAP_CSP_HASH = `'sha256-${createHash('sha256').update(WEB_IMPORT_MAP_JSON, 'utf8').digest('base64')}'`;
