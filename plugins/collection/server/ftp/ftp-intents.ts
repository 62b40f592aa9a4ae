import type { ProctorPrincipal } from '../../../registration/api';
import type { DeclaredPackage, ResultReceipt } from '../../api';

/** Where one declared FTP upload stands. */
export type FtpUploadState =
  | { readonly kind: 'receiving' }
  | { readonly kind: 'accepted'; readonly receipt: ResultReceipt }
  | { readonly kind: 'refused'; readonly message: string };

export interface FtpIntent {
  readonly principal: ProctorPrincipal;
  readonly sessionNo: number;
  readonly declared: DeclaredPackage;
  /** The name the proctor STORs under, chosen by the site from the session and the hash. */
  readonly fileName: string;
  /** The durable sink holding the bytes (core/files): one per room and file. */
  readonly sinkId: string;
  state: FtpUploadState;
}

/** The FTP file name of a declared package: one name per (session, content). */
export function ftpFileNameOf(sessionNo: number, sha256: string): string {
  return `S${sessionNo}-${sha256.slice(0, 16)}.zip`;
}

/**
 * Uploads declared over HTTP before their FTP STOR (issue 12 point 3). Kept in memory: after
 * a restart the proctor declares again (the same file gets the same name, and the partial
 * file on disk tells it where to resume).
 */
export class FtpIntents {
  private readonly byRoom = new Map<string, Map<string, FtpIntent>>();

  declare(principal: ProctorPrincipal, sessionNo: number, declared: DeclaredPackage): FtpIntent {
    const fileName = ftpFileNameOf(sessionNo, declared.sha256);
    const room = this.room(principal.roomCode);
    const existing = room.get(fileName);
    if (existing && existing.declared.size === declared.size && existing.state.kind !== 'refused') return existing;
    const sinkId = `ftp-${principal.roomCode}-${fileName.replace(/\.zip$/, '')}`;
    const intent: FtpIntent = { principal, sessionNo, declared, fileName, sinkId, state: { kind: 'receiving' } };
    room.set(fileName, intent);
    return intent;
  }

  of(roomCode: string, fileName: string): FtpIntent | undefined {
    return this.byRoom.get(roomCode)?.get(fileName);
  }

  /** The room's declared uploads still receiving (what its FTP folder lists). */
  receiving(roomCode: string): FtpIntent[] {
    return [...(this.byRoom.get(roomCode)?.values() ?? [])].filter((i) => i.state.kind === 'receiving');
  }

  private room(roomCode: string): Map<string, FtpIntent> {
    let room = this.byRoom.get(roomCode);
    if (!room) {
      room = new Map();
      this.byRoom.set(roomCode, room);
    }
    return room;
  }
}
