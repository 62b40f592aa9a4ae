// After 初始化 or 恢复 the host restarts in process: wait until it answers again, then reload
// the page so every panel reads the new data (and the login page shows when needed).
export async function reloadWhenBack(timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await new Promise((r) => setTimeout(r, 800));
  while (Date.now() < deadline) {
    try {
      const r = await fetch('/api/public/info', { cache: 'no-store' });
      if (r.ok) break;
    } catch {
      // still restarting
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  window.location.reload();
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
}
