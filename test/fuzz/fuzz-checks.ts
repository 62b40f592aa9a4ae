import { expect } from 'chai';
import type { TestClient } from '../../core/testing/http-client';
import { formatFigures, type FuzzFigures, type ImportAnswer } from './fuzz-campaign';

/**
 * Refused attempts are written to the audit log on purpose (who tried what, R1); every other
 * table and file must stay byte for byte the same.
 */
export const AUDIT_TABLES = ['core_audit_log', 'core_audit_chain'];

/** Prints the type's figures and fails on any accepted, server error, state change or outage. */
export function expectClean(f: FuzzFigures, seed: number): void {
  // eslint-disable-next-line no-console
  console.log(`      ${formatFigures(f, seed)}`);
  const shown = f.failures.slice(0, 5).map((x) => `#${x.caseNo} ${x.mutator} ${x.kind}: ${x.detail}`);
  expect({ accepted: f.accepted, serverErrors: f.serverErrors, stateChanges: f.stateChanges, serverDown: f.serverDown }, shown.join('\n')).to.deep.equal({
    accepted: 0,
    serverErrors: 0,
    stateChanges: 0,
    serverDown: 0,
  });
}

export async function postFile(client: TestClient, route: string, bytes: Buffer, contentType: string): Promise<ImportAnswer> {
  const r = await client.post(route, bytes, { 'content-type': contentType });
  return { status: r.status, body: r.body };
}

export async function answers(client: TestClient): Promise<boolean> {
  return (await client.get('/api/status')).status === 200;
}
