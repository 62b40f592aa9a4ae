import type { Context } from 'koa';
import type { ProctorApi, ProctorPrincipal } from '../../../registration/api';
import type { ProctorCredentialCheck } from './result-acceptor';

/**
 * Until registration's api/ offers its protocol-neutral credential check (issue 9 point 8),
 * the proctor guard is asked with the token as a bearer header. Replaced by that check.
 */
export function guardCredentialCheck(api: ProctorApi): ProctorCredentialCheck {
  return {
    principalOf(token: string): Promise<ProctorPrincipal> {
      const header = `Bearer ${token}`;
      const request = { get: (name: string) => (name.toLowerCase() === 'authorization' ? header : '') };
      return api.guard.authenticate(request as unknown as Context);
    },
  };
}
