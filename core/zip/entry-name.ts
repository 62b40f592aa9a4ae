const MAX_NAME_LENGTH = 255;

/**
 * Why a zip entry name is unsafe to use as a relative path, or null when it is a plain
 * one. Checked by our readers on the raw name, never left to a zip library.
 */
export function unsafeEntryNameReason(name: string): string | null {
  if (name.length === 0) return '文件名为空';
  if (name.length > MAX_NAME_LENGTH) return '文件名过长';
  if (name.includes('\\')) return '包含反斜杠 \\';
  if (/^[A-Za-z]:/.test(name)) return '包含盘符';
  if (name.startsWith('/')) return '是绝对路径';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f:*?"<>|]/.test(name)) return '包含控制字符或 Windows 不允许的字符';
  const segments = (name.endsWith('/') ? name.slice(0, -1) : name).split('/');
  if (segments.some((s) => s === '..')) return '包含上级目录 ..';
  if (segments.some((s) => s === '' || s === '.')) return '包含空路径或 .';
  return null;
}

/** A name as it may be shown in a message (control characters replaced, long names cut). */
export function shownEntryName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const printable = name.replace(/[\u0000-\u001f\u007f]/g, '?');
  return printable.length > 80 ? `${printable.slice(0, 80)}…` : printable;
}
