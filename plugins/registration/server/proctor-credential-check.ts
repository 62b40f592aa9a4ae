import { unauthorized } from '../../../core/http/errors';
import type { ProctorCredentialCheck, ProctorPrincipal } from '../api';

/** What the check needs of the registrations: the same lookup the HTTP guard uses. */
export interface CredentialAuthenticator {
  authenticate(token: string | undefined): ProctorPrincipal;
}

/**
 * The proctor credential check for paths outside the HTTP API (FTP login: user = room
 * code, password = credential). Same credentials, same revocation, plus the room named
 * at login must be the credential's own room.
 */
export class ProctorCredentialVerifier implements ProctorCredentialCheck {
  constructor(private readonly registrations: CredentialAuthenticator) {}

  verify(roomCode: string, token: string): ProctorPrincipal {
    const principal = this.registrations.authenticate(token.trim() || undefined);
    if (principal.roomCode !== roomCode.trim()) {
      throw unauthorized('PROCTOR_OTHER_ROOM', `该凭证属于考场 ${principal.roomCode}，不能以考场 ${roomCode.trim()} 登录；请使用本考场注册时获得的凭证`);
    }
    return principal;
  }
}
