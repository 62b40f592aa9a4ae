import fs, { promises as fsp } from 'node:fs';
import { FileSystem, type FtpConnection } from 'ftp-srv';
import type { FtpIntent } from './ftp-intents';
import { FtpUploadSink } from './ftp-upload-sink';
import { containedFile, isRoomRoot, roomFileName, RoomPathRefused } from './room-folder-path';

type NamedStats = fs.Stats & { name: string };

export interface RoomFileSystemOptions {
  readonly roomCode: string;
  /** The room's own folder (created before login completes). */
  readonly dir: string;
  /** The declared upload for a file name of this room, if any. */
  intentOf(fileName: string): FtpIntent | undefined;
  /** Hands a complete, verified file to the result intake. */
  accept(intent: FtpIntent, file: string): Promise<void>;
}

function named(stats: fs.Stats, name: string): NamedStats {
  return Object.assign(stats, { name });
}

const READ_ONLY = '本考场文件夹只用于上传结果包：不能下载、删除、改名或建目录';

/**
 * What one logged-in room sees over FTP: its own flat folder and nothing else (issue 12
 * point 3). Replaces every ftp-srv file-system operation: each path goes through
 * `roomFileName` (no `..`, absolute or nested paths, drive letters, backslashes, NUL) and
 * `containedFile` (resolved inside the real folder, never a link). Only declared uploads
 * may be stored, and a stored file becomes a result only through the intake.
 */
export class RoomFileSystem extends FileSystem {
  constructor(
    connection: FtpConnection,
    private readonly room: RoomFileSystemOptions,
  ) {
    super(connection, { root: room.dir, cwd: '/' });
  }

  override currentDirectory(): string {
    return '/';
  }

  override async get(fileName: string): Promise<NamedStats> {
    if (isRoomRoot(fileName)) return named(await fsp.stat(this.room.dir), '.');
    const name = roomFileName(fileName);
    const file = containedFile(this.room.dir, name);
    try {
      return named(await fsp.lstat(file), name);
    } catch {
      throw new RoomPathRefused(`本考场文件夹中没有 ${name}`);
    }
  }

  override async list(path?: string): Promise<NamedStats[]> {
    if (!isRoomRoot(path)) throw new RoomPathRefused('本考场文件夹没有子目录');
    const entries = await fsp.readdir(this.room.dir, { withFileTypes: true });
    const files = entries.filter((e) => e.isFile());
    return Promise.all(files.map(async (e) => named(await fsp.lstat(containedFile(this.room.dir, e.name)), e.name)));
  }

  override async chdir(path?: string): Promise<string> {
    if (!isRoomRoot(path)) throw new RoomPathRefused('本考场文件夹没有子目录，只能停留在 /');
    return '/';
  }

  override async write(fileName: string, { append = false, start }: { append?: boolean; start?: number } = {}): Promise<{ stream: FtpUploadSink; clientPath: string }> {
    const name = roomFileName(fileName);
    const file = containedFile(this.room.dir, name);
    const intent = this.room.intentOf(name);
    if (!intent) {
      throw new RoomPathRefused(`没有 ${name} 的上传声明：请先通过 POST /api/proctor/v1/sessions/<场次>/results/ftp-intent 声明文件大小和 SHA-256，并按返回的文件名上传`);
    }
    if (intent.state.kind === 'accepted') throw new RoomPathRefused(`${name} 已被考点接收，无需再次上传`);
    const held = await fsp.stat(file).then((s) => s.size, () => 0);
    const stream = new FtpUploadSink({
      file,
      start: append ? held : (start ?? 0),
      declared: intent.declared,
      complete: (done) => this.room.accept(intent, done),
    });
    // ftp-srv ends an upload by emitting 'close' on the target when the data socket ends.
    stream.once('close', () => {
      if (!stream.destroyed && !stream.writableEnded) stream.end();
    });
    return { stream, clientPath: `/${name}` };
  }

  override async read(): Promise<never> {
    throw new RoomPathRefused(READ_ONLY);
  }

  override async delete(): Promise<never> {
    throw new RoomPathRefused(READ_ONLY);
  }

  override async mkdir(): Promise<never> {
    throw new RoomPathRefused(READ_ONLY);
  }

  override async rename(): Promise<never> {
    throw new RoomPathRefused(READ_ONLY);
  }

  override async chmod(): Promise<never> {
    throw new RoomPathRefused(READ_ONLY);
  }

  override getUniqueName(): string {
    throw new RoomPathRefused('不支持 STOU：请按上传声明返回的文件名上传');
  }
}
