/** What the proctor said it will send, before sending it. */
export interface DeclaredFile {
  readonly size: number;
  readonly sha256: string;
}

export type ResultChannel = 'http' | 'ftp' | 'manual';

/**
 * The one place a finished result file becomes an accepted result (ResultIntake): it checks
 * the package, stores it exactly once and returns the receipt the proctor keeps. The FTP
 * server depends on this shape only, so it never decides by itself that a file is accepted.
 */
export interface ResultFileAcceptor<Outcome> {
  acceptFile(roomCode: string, sessionNo: number, filePath: string, declared: DeclaredFile, via: ResultChannel): Promise<Outcome>;
}
