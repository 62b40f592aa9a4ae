import type { AuthorizationIssuer } from './sim-types';

/**
 * Authorization issuers the simulator uses for `.../authorization` and `.../verification`.
 * A stage plugs its generator in by calling `registerAuthorizationIssuer` from a module
 * imported below (one import line per issuer); nothing else in the server changes.
 */
const issuers: AuthorizationIssuer[] = [];

export function registerAuthorizationIssuer(issuer: AuthorizationIssuer): void {
  const at = issuers.findIndex((i) => i.id === issuer.id);
  if (at >= 0) issuers.splice(at, 1);
  issuers.push(issuer);
}

/** The most recently registered issuer, or null (the routes then answer 501). */
export function currentAuthorizationIssuer(): AuthorizationIssuer | null {
  return issuers[issuers.length - 1] ?? null;
}

// Registered issuers (each module calls registerAuthorizationIssuer when imported):
// import './ptq-issuer';
import './authorization-issuer';
