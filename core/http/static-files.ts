import fs from 'node:fs';
import path from 'node:path';
import type { Context, Next } from 'koa';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
};

/** Resolves `rel` inside `root`, or null when it would leave it. */
export function containedPath(root: string, rel: string): string | null {
  const decoded = (() => {
    try {
      return decodeURIComponent(rel);
    } catch {
      return null;
    }
  })();
  if (decoded === null || decoded.includes('\0')) return null;
  const full = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
  const base = path.resolve(root);
  return full === base || full.startsWith(base + path.sep) ? full : null;
}

async function sendFile(ctx: Context, file: string, immutable: boolean): Promise<boolean> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(file);
  } catch {
    return false;
  }
  if (!st.isFile()) return false;
  ctx.type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  ctx.length = st.size;
  ctx.set('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  ctx.body = fs.createReadStream(file);
  return true;
}

/** Serves the built web UI; unknown non-API paths get index.html (client-side routing). */
export function serveWeb(webDir: string) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || ctx.path.startsWith('/api/') || ctx.path.startsWith('/plugins/')) {
      return next();
    }
    const file = containedPath(webDir, ctx.path);
    if (file && ctx.path !== '/' && (await sendFile(ctx, file, ctx.path.startsWith('/assets/')))) return;
    if (!(await sendFile(ctx, path.join(webDir, 'index.html'), false))) {
      ctx.status = 503;
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = '<!doctype html><meta charset="utf-8"><title>考点管理系统</title><p>界面尚未构建：请运行 <code>npm run build</code> 后重新启动。</p>';
    }
  };
}

/** Serves a vendor plugin's prebuilt web module folder at /plugins/<id>/web/… */
export function serveVendorWeb(dirs: ReadonlyMap<string, string>) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const m = /^\/plugins\/([a-z][a-z0-9-]*)\/web\/(.+)$/.exec(ctx.path);
    const dir = m ? dirs.get(m[1]!) : undefined;
    if (!m || !dir || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    const file = containedPath(dir, m[2]!);
    if (!file || !(await sendFile(ctx, file, false))) return next();
  };
}
