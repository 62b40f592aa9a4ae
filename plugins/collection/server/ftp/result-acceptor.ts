import type { ProctorPrincipal } from '../../../registration/api';

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
export interface ResultFileAcceptor<Receipt> {
  acceptFile(principal: ProctorPrincipal, sessionNo: number, filePath: string, declared: DeclaredFile, via: ResultChannel): Promise<Receipt>;
}

/** Who holds a proctor credential (registration's protocol-neutral check, issue 9 point 8). */
export interface ProctorCredentialCheck {
  principalOf(token: string): Promise<ProctorPrincipal>;
}
