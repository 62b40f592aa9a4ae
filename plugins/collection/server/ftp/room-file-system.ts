import fs, { promises as fsp } from 'node:fs';
import { FileSystem, type FtpConnection } from 'ftp-srv';
import type { DurableFileStore } from '../../../../core/files/durable-file-store';
import type { DurableSink } from '../../../../core/files/durable-sink';
import type { FtpIntent, FtpIntents } from './ftp-intents';
import { FtpUploadSink } from './ftp-upload-sink';
import { isRoomRoot, roomFileName, RoomPathRefused } from './room-folder-path';

type NamedStats = fs.Stats & { name: string };

export interface RoomFileSystemOptions {
  readonly roomCode: string;
  readonly intents: FtpIntents;
  readonly files: DurableFileStore;
  /** Hands a complete, verified file to the result intake. */
  accept(intent: FtpIntent, sink: DurableSink): Promise<void>;
}

function named(stats: fs.Stats, name: string): NamedStats {
  return Object.assign(stats, { name });
}

const READ_ONLY = '本考场文件夹只用于上传结果包：不能下载、删除、改名或建目录';

/**
 * What one logged-in room sees over FTP: a flat folder of its own declared uploads and
 * nothing else (issue 12 point 3). Replaces every ftp-srv file-system operation (its own
 * root check is a prefix test that runs only for existing paths): each client path goes
 * through `roomFileName` (no `..`, absolute or nested paths, drive letters, backslashes,
 * NUL) and can only name one of this room's declarations; the bytes live in the core
 * durable sink, whose path core resolves inside the plugin folder, and a link there is
 * refused. A stored file becomes a result only through the intake.
 */
export class RoomFileSystem extends FileSystem {
  constructor(
    connection: FtpConnection,
    private readonly room: RoomFileSystemOptions,
  ) {
    super(connection, { root: room.files.dir, cwd: '/' });
  }

  override currentDirectory(): string {
    return '/';
  }

  override async get(fileName: string): Promise<NamedStats> {
    if (isRoomRoot(fileName)) return named(await fsp.stat(this.room.files.dir), '.');
    const intent = this.intentOf(fileName);
    const stats = await this.statsOf(intent);
    if (!stats) throw new RoomPathRefused(`${intent.fileName} 尚未开始上传`);
    return stats;
  }

  /** The upload's file so far; null when it has not started. */
  private async statsOf(intent: FtpIntent): Promise<NamedStats | null> {
    const sink = await this.room.files.find(intent.sinkId);
    if (!sink) return null;
    const st = await this.regularFile(sink.tempPath).catch((e: unknown) => {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    });
    return st && named(st, intent.fileName);
  }

  override async list(path?: string): Promise<NamedStats[]> {
    if (!isRoomRoot(path)) throw new RoomPathRefused('本考场文件夹没有子目录');
    const listed: NamedStats[] = [];
    for (const intent of this.room.intents.receiving(this.room.roomCode)) {
      const stats = await this.statsOf(intent);
      if (stats) listed.push(stats);
    }
    return listed;
  }

  override async chdir(path?: string): Promise<string> {
    if (!isRoomRoot(path)) throw new RoomPathRefused('本考场文件夹没有子目录，只能停留在 /');
    return '/';
  }

  override async write(fileName: string, { append = false, start }: { append?: boolean; start?: number } = {}): Promise<{ stream: FtpUploadSink; clientPath: string }> {
    const intent = this.intentOf(fileName);
    if (intent.state.kind === 'accepted') throw new RoomPathRefused(`${intent.fileName} 已被考点接收，无需再次上传`);
    let sink = await this.room.files.begin(intent.sinkId, intent.declared);
    await this.regularFile(sink.tempPath);
    const from = append ? sink.offset : (start ?? 0);
    if (from === 0 && sink.offset > 0) {
      // A plain STOR (no REST) sends the whole file again: start over.
      await sink.abandon();
      sink = await this.room.files.begin(intent.sinkId, intent.declared);
    }
    const stream = new FtpUploadSink(sink, from, () => this.room.accept(intent, sink));
    // ftp-srv ends an upload by emitting 'close' on the target when the data socket ends.
    stream.once('close', () => {
      if (!stream.destroyed && !stream.writableEnded) stream.end();
    });
    return { stream, clientPath: `/${intent.fileName}` };
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

  private intentOf(clientPath: string): FtpIntent {
    const name = roomFileName(clientPath);
    const intent = this.room.intents.of(this.room.roomCode, name);
    if (!intent) {
      throw new RoomPathRefused(`没有 ${name} 的上传声明：请先通过 POST /api/proctor/v1/sessions/<场次>/results/ftp-intent 声明文件大小和 SHA-256，并按返回的文件名上传`);
    }
    return intent;
  }

  /** The sink's file, refused if anything replaced it with a link or a folder. */
  private async regularFile(file: string): Promise<fs.Stats> {
    const st = await fsp.lstat(file);
    if (!st.isFile()) throw new RoomPathRefused('上传文件不是普通文件（链接或目录），已拒绝');
    return st;
  }
}
