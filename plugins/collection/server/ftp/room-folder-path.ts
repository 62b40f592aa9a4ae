/**
 * Why a client path was refused. ftp-srv's own root check is a prefix test that runs only
 * for paths that exist; a room's folder is instead flat and every name is checked here
 * before anything touches the disk.
 */
export class RoomPathRefused extends Error {
  override name = 'RoomPathRefused';
}

/** One plain file name: letters, digits, CJK, `._-`; no leading dot; at most 128 characters. */
const SAFE_NAME = /^[A-Za-z0-9\u4e00-\u9fa5_-][A-Za-z0-9\u4e00-\u9fa5._-]{0,127}$/;

/**
 * The room folder's own name for a client path, or a refusal. Accepted: `name` and `/name`
 * (the room folder is the client's `/`). Refused: `..` and `.` segments, any other
 * absolute or nested path, drive letters, backslashes, NUL and control bytes.
 */
export function roomFileName(clientPath: string): string {
  if (/[\x00-\x1f]/.test(clientPath)) throw new RoomPathRefused('文件名含有控制字符或空字节，已拒绝');
  if (clientPath.includes('\\')) throw new RoomPathRefused('文件名不能含有反斜杠 \\，已拒绝');
  if (/^[A-Za-z]:/.test(clientPath)) throw new RoomPathRefused('文件名不能含有盘符，已拒绝');
  const name = clientPath.startsWith('/') ? clientPath.slice(1) : clientPath;
  if (name.split('/').some((s) => s === '..' || s === '.')) throw new RoomPathRefused('路径不能含有 .. 或 .，只能访问本考场的文件夹');
  if (name.includes('/')) throw new RoomPathRefused('只能访问本考场文件夹中的文件，不能使用子目录或绝对路径');
  if (!SAFE_NAME.test(name)) throw new RoomPathRefused(`文件名 ${name} 不合规：只能用字母、数字、汉字和 ._-，且不能以点开头`);
  return name;
}

/** Whether a client path names the room folder itself (`/`, `.`, empty). */
export function isRoomRoot(clientPath: string | undefined): boolean {
  return clientPath === undefined || clientPath === '' || clientPath === '/' || clientPath === '.' || clientPath === './';
}
