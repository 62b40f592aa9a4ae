import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { MANIFEST_ENTRY, MANIFEST_SIG_ENTRY } from '../../plugins/load/api/package-format';
import { buildPackage, startLoadHarness, type LoadHarness } from '../../plugins/load/test/load-fixtures';
import { startAuthorizationSite, writeSessionFileWithSim, HOUR, type AuthorizationSite } from '../integration/authorization/authorization-harness';
import { startSite, type RunningSite } from '../integration/registration/site-harness';
import { writePtqCommand, writeVerificationCommand } from '../sim/centre/commands/write-ptq-command';
import { writeTimeCommand } from '../sim/centre/commands/write-time-command';
import { SimArgs } from '../sim/centre/commands/sim-command';
import { ProctorClient } from '../sim/proctor/proctor-client';
import { byteMutators, type Mutator } from './byte-mutators';
import { campaignOptionsFromEnv, runCampaign, type FuzzTarget } from './fuzz-campaign';
import { AUDIT_TABLES, answers, expectClean, postFile as post } from './fuzz-checks';
import { canonicalJson, envelopeMutators, jsonFieldMutation, jsonReordered } from './json-mutators';
import { filesSnapshot, tablesSnapshot } from './site-snapshot';
import { canonicalZip, zipMutators } from './zip-mutators';

/**
 * Issue 15 point 3: every file the product reads, mutated from a valid one and fed through
 * the real import route. Figures per type are printed; EXAMSITE_FUZZ_CASES=10000 is the
 * long mode (`npm run soak`).
 */
const options = campaignOptionsFromEnv();

const envelopeFile = (key: { privateKeyPem: string; keyId: string }): Mutator[] => [...byteMutators, jsonFieldMutation, jsonReordered, ...envelopeMutators(key)];

describe('Hostile files: mutation fuzzing of every import route (issue 15 point 3)', function () {
  this.timeout(options.timeCapMs + 180_000);

  it('考务数据包 .zip (POST /api/load/import): a fresh site refuses every non-equivalent mutant', async () => {
    let harness: LoadHarness = await startLoadHarness();
    const key = harness.key;
    const original = (await buildPackage(key)).bytes;
    try {
      const target: FuzzTarget = {
        fileType: 'exam-package.zip',
        original,
        mutators: [...byteMutators, ...zipMutators({ manifestEntry: MANIFEST_ENTRY, sigEntry: MANIFEST_SIG_ENTRY, key })],
        canonical: canonicalZip,
        send: async (bytes) => {
          const r = await harness.importZip(bytes);
          return { status: r.status, body: r.body };
        },
        snapshot: () => harness.snapshot(),
        alive: () => answers(harness.client),
        async reset() {
          await harness.stop();
          harness = await startLoadHarness({ key });
        },
      };
      expectClean(await runCampaign(target, options), options.seed);
    } finally {
      await harness.stop();
    }
  });

  describe('files of 考试授权 and 校时 (a whole site against the centre simulator)', () => {
    const siteTarget = (site: AuthorizationSite, fileType: string, original: Buffer, route: string): FuzzTarget => ({
      fileType,
      original,
      mutators: envelopeFile(site.sim.state.signingKey),
      canonical: canonicalJson,
      send: (bytes) => post(site.admin, route, bytes, 'application/octet-stream'),
      snapshot: async () => `${await tablesSnapshot(site.server.store, AUDIT_TABLES)}\n${filesSnapshot(site.dataDir)}`,
      alive: () => answers(site.admin),
    });

    it('考试授权 .PTQ (POST /api/authorization/import): after the valid file, every mutant is refused or equivalent', async () => {
      const site = await startAuthorizationSite();
      try {
        const original = await writeSessionFileWithSim(site, writePtqCommand, 1);
        const first = await post(site.admin, '/api/authorization/import', original, 'application/octet-stream');
        expect(first.status, JSON.stringify(first.body)).to.equal(200);
        expectClean(await runCampaign(siteTarget(site, 'authorization.PTQ', original, '/api/authorization/import'), options), options.seed);
      } finally {
        await site.stop();
      }
    });

    it('授权验证文件 (POST /api/authorization/sessions/1/verification/import)', async () => {
      const site = await startAuthorizationSite();
      try {
        const d = await site.admin.post('/api/authorization/download');
        expect(d.status, JSON.stringify(d.body)).to.equal(200);
        await site.calibrate();
        site.advanceDongleClock(2.5 * HOUR);
        const original = await writeSessionFileWithSim(site, writeVerificationCommand, 1);
        const route = '/api/authorization/sessions/1/verification/import';
        const first = await post(site.admin, route, original, 'application/octet-stream');
        expect(first.status, JSON.stringify(first.body)).to.equal(200);
        expectClean(await runCampaign(siteTarget(site, 'verification', original, route), options), options.seed);
      } finally {
        await site.stop();
      }
    });

    it('校时文件 time token (POST /api/clock/import): after the valid file, replays and mutants are refused', async () => {
      const site = await startAuthorizationSite({ loadData: false });
      try {
        const out = path.join(fs.mkdtempSync(path.join(site.simDir, 'time-')), 'time-token.json');
        const code = await writeTimeCommand.run(new SimArgs(['--data', site.simDir, '--dongle', site.dongleId, '--out', out]), { out: () => {}, err: () => {} });
        expect(code).to.equal(0);
        const original = fs.readFileSync(out);
        const first = await post(site.admin, '/api/clock/import', original, 'application/json');
        expect(first.status, JSON.stringify(first.body)).to.equal(200);
        expectClean(await runCampaign(siteTarget(site, 'time-token', original, '/api/clock/import'), options), options.seed);
      } finally {
        await site.stop();
      }
    });
  });

  it('KDINFO (POST /api/registration/restore): the product\'s own export, restored once, then mutated', async () => {
    const site: RunningSite = await startSite();
    try {
      const room = '11003001';
      await new ProctorClient(site.url).register({ roomCode: room, registrationCode: await site.code(room), machineId: 'fuzz-pc-1' });
      const kd = await fetch(`${site.url}/api/registration/export/kdinfo`, { headers: { authorization: `Bearer ${site.admin.token}` } });
      expect(kd.status).to.equal(200);
      const original = Buffer.from(await kd.arrayBuffer());
      const first = await post(site.admin, '/api/registration/restore', original, 'application/octet-stream');
      expect(first.status, JSON.stringify(first.body)).to.equal(200);
      const target: FuzzTarget = {
        fileType: 'KDINFO',
        original,
        mutators: byteMutators,
        // Sealed and authenticated as a whole: only the very same bytes mean the same.
        canonical: (bytes) => bytes.toString('base64'),
        send: (bytes) => post(site.admin, '/api/registration/restore', bytes, 'application/octet-stream'),
        snapshot: async () => `${await tablesSnapshot(site.server.store, AUDIT_TABLES)}\n${filesSnapshot(site.server.dataDir)}`,
        alive: () => answers(site.admin),
      };
      expectClean(await runCampaign(target, options), options.seed);
    } finally {
      await site.stop();
    }
  });
});
