import type { Readable } from 'node:stream';
import { DataStore, ERRORS, Upload } from '@tus/utils';
import type { DurableFileStore } from '../../../core/files/durable-file-store';
import { chunkFeed } from '../../../core/files/durable-sink';
import { AppError } from '../../../core/http/errors';

/** tus answers with a status and a text body; ours is the same JSON error body as the rest of the API. */
export function tusError(e: unknown): { status_code: number; body: string } {
  if (e instanceof AppError) return { status_code: e.status, body: JSON.stringify({ error: { code: e.code, message: e.message } }) };
  throw e;
}

/** Metadata keys a proctor sends in Upload-Metadata (tus creation). */
export const TUS_SHA256_KEY = 'sha256';

/**
 * The tus DataStore of result uploads, on the core durable files: creation declares size
 * (Upload-Length) and SHA-256 (Upload-Metadata `sha256`), every PATCH appends from the
 * stored offset with hashing and fsync, HEAD reports the durable offset (also after a
 * restart), and the file counts as complete only once its hash matched. Acceptance is not
 * here: the server's onUploadFinish hands the file to ResultIntake.
 */
export class TusResultStore extends DataStore {
  constructor(private readonly files: DurableFileStore) {
    super();
    this.extensions = ['creation', 'creation-with-upload', 'termination'];
  }

  override async create(upload: Upload): Promise<Upload> {
    const sha256 = upload.metadata?.[TUS_SHA256_KEY] ?? '';
    if (upload.size === undefined) throw tusError(new AppError(400, 'UPLOAD_LENGTH_REQUIRED', '上传前须声明文件大小（Upload-Length），不支持延后声明'));
    try {
      const sink = await this.files.begin(upload.id, { size: upload.size, sha256 });
      return new Upload({ id: upload.id, size: upload.size, offset: sink.offset, metadata: upload.metadata, creation_date: upload.creation_date });
    } catch (e) {
      throw tusError(e);
    }
  }

  override async write(stream: Readable, id: string, offset: number): Promise<number> {
    const sink = await this.files.find(id).catch(tusRethrow);
    if (!sink) throw ERRORS.FILE_NOT_FOUND;
    return sink.append(chunkFeed(stream), offset).catch(tusRethrow);
  }

  override async getUpload(id: string): Promise<Upload> {
    const sink = await this.files.find(id).catch(tusRethrow);
    if (!sink) throw ERRORS.FILE_NOT_FOUND;
    return new Upload({ id, size: sink.declared.size, offset: sink.offset, metadata: { [TUS_SHA256_KEY]: sink.declared.sha256 } });
  }

  override async remove(id: string): Promise<void> {
    const sink = await this.files.find(id).catch(tusRethrow);
    if (!sink) throw ERRORS.FILE_NOT_FOUND;
    await sink.abandon();
  }
}

function tusRethrow(e: unknown): never {
  throw tusError(e);
}
