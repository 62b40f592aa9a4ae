import { expect } from 'chai';
import { generateSigningKeyPair, signJson } from '../../../core/crypto/signing';
import { generateWrappingKeyPair } from '../../../core/crypto/wrap';
import { authorizationPayloadFor, issueAuthorization, type AuthorizationIssueOptions } from '../../sim/centre/authorization-issuer';
import { writePtqCommand } from '../../sim/centre/commands/write-ptq-command';
import { authorizationRows, HOUR, SITE, startAuthorizationSite, writeSessionFileWithSim, type AuthorizationSite } from './authorization-harness';
import { withPcClockShift } from '../../../core/testing/manual-clock';
import type { ErrorBody } from '../../../core/http/errors';
import { startedForSuite } from '../../../core/testing/started-fixture';

/** Everything an import could change: the API table and the raw table rows. */
async function snapshot(site: AuthorizationSite): Promise<string> {
  return JSON.stringify({ api: await site.sessions(), rows: await authorizationRows(site) });
}

function ptq(site: AuthorizationSite, sessionNo: number, options: AuthorizationIssueOptions = {}): Buffer {
  return issueAuthorization(site.issueContext(sessionNo), options);
}

describe('考试授权 (R4, authorization stage)', function () {
  this.timeout(60_000);
  let site: AuthorizationSite;

  startedForSuite(() => startAuthorizationSite(), (v) => {
    site = v;
  });

  describe('before any import', () => {
    it('R11.1 documents the admin routes and the proctor key/content routes in /api/openapi.json', async () => {
      const r = await site.admin.get<{ paths: Record<string, unknown> }>('/api/openapi.json');
      expect(r.status).to.equal(200);
      for (const p of [
        '/api/authorization/sessions',
        '/api/authorization/download',
        '/api/authorization/import',
        '/api/authorization/sessions/{no}/verify',
        '/api/authorization/sessions/{no}/verification/import',
        '/api/authorization/calibration',
        '/api/proctor/v1/sessions/{no}/key',
        '/api/proctor/v1/sessions/{no}/content',
      ]) {
        expect(r.body.paths, p).to.have.property(p);
      }
    });

    it('R4.3 lists every session with 考试授权状态 and 授权验证状态 "-" before anything is imported', async () => {
      const r = await site.admin.get<{ siteCode: string; dataLoaded: boolean; sessions: { sessionNo: number; name: string; durationMinutes: number; authorized: boolean; verified: boolean }[] }>(
        '/api/authorization/sessions',
      );
      expect(r.status).to.equal(200);
      expect(r.body.siteCode).to.equal(SITE);
      expect(r.body.dataLoaded).to.equal(true);
      expect(r.body.sessions.map((s) => [s.sessionNo, s.name, s.durationMinutes, s.authorized, s.verified])).to.deep.equal([
        [1, '第一场次', 120, false, false],
        [2, '第二场次', 90, false, false],
      ]);
    });
  });

  describe('refusals change nothing (R4.4, security bar)', () => {
    let before: string;
    beforeEach(async () => {
      before = await snapshot(site);
    });

    const refusals: { name: string; bytes: () => Buffer; query?: string; code: string; message: RegExp }[] = [
      {
        name: 'a tampered file',
        bytes: () => {
          const env = JSON.parse(ptq(site, 1).toString('utf8')) as { payload: string };
          const payload = Buffer.from(env.payload, 'base64').toString('utf8').replace('"sessionNo":1', '"sessionNo":2');
          return Buffer.from(JSON.stringify({ ...env, payload: Buffer.from(payload).toString('base64') }));
        },
        code: 'SIGNATURE_INVALID',
        message: /考试授权文件校验失败：签名校验失败，内容已被篡改或损坏/,
      },
      {
        name: 'a file signed by a key that is not the centre',
        bytes: () => {
          const payload = authorizationPayloadFor(site.issueContext(1));
          const other = generateSigningKeyPair();
          return Buffer.from(JSON.stringify(signJson(payload, other.privateKeyPem)));
        },
        code: 'KEY_UNKNOWN',
        message: /不在本考点信任的中心公钥中/,
      },
      { name: 'not JSON at all', bytes: () => Buffer.from('PK\u0003\u0004 not a ptq'), code: 'AUTHORIZATION_INVALID', message: /不是有效的考试授权文件（无法解析）/ },
      {
        name: 'another signed kind (a time token)',
        bytes: () => Buffer.from(JSON.stringify(signJson({ kind: 'time-token', v: 1, time: new Date().toISOString(), dongleId: site.dongleId }, site.sim.state.signingKey.privateKeyPem))),
        code: 'AUTHORIZATION_INVALID',
        message: /文件类型为 "time-token"，应为 authorization/,
      },
      {
        name: 'another site',
        bytes: () => ptq(site, 1, { overrides: { siteCode: '11004' } }),
        code: 'AUTHORIZATION_FOREIGN_SITE',
        message: /授权文件考点代码 11004 与本考点 11003 不一致/,
      },
      {
        name: 'the other mode',
        bytes: () => ptq(site, 1, { overrides: { mode: 'formal' } }),
        code: 'AUTHORIZATION_WRONG_MODE',
        message: /授权文件用于正式考试，当前是模拟考试/,
      },
      {
        name: 'another session than the one chosen in the dialog',
        bytes: () => ptq(site, 2),
        query: '?session=1',
        code: 'AUTHORIZATION_WRONG_SESSION',
        message: /所选文件是第 2 场次的考试授权，不是第 1 场次的/,
      },
      {
        name: 'a session that the loaded data does not have',
        bytes: () => ptq(site, 1, { overrides: { sessionNo: 7 } }),
        code: 'AUTHORIZATION_WRONG_SESSION',
        message: /已载入的考务数据中没有第 7 场次/,
      },
      {
        name: 'another dongle',
        bytes: () => ptq(site, 1, { overrides: { dongleId: 'HID-0000AAAA' } }),
        code: 'AUTHORIZATION_FOREIGN_DONGLE',
        message: /授权文件绑定的机考锁为 HID-0000AAAA，当前机考锁为 SOFT-/,
      },
      {
        name: 'a key wrapped for another dongle (id forged to match)',
        bytes: () => {
          const ctx = site.issueContext(1);
          const other = generateWrappingKeyPair();
          return issueAuthorization({ ...ctx, dongle: { ...ctx.dongle, wrappingPublicKey: other.publicKey } });
        },
        code: 'AUTHORIZATION_KEY_INVALID',
        message: /试题密钥无法由当前机考锁解开/,
      },
      {
        name: 'an expired authorization',
        bytes: () => ptq(site, 1, { notAfter: new Date(Date.now() - HOUR).toISOString() }),
        code: 'AUTHORIZATION_EXPIRED',
        message: /第 1 场次的授权文件已于 .* 过期/,
      },
      {
        name: 'an authorization for an older package',
        bytes: () => ptq(site, 1, { overrides: { packageManifestSha256: 'a'.repeat(64) } }),
        code: 'AUTHORIZATION_PACKAGE_MISMATCH',
        message: /对应的考场数据包与本考点已载入的数据包不一致/,
      },
      {
        name: 'a window that is not the session\'s exam time',
        bytes: () => ptq(site, 1, { overrides: { window: { startsAt: new Date(site.sessionStarts[1]! - HOUR).toISOString(), endsAt: new Date(site.sessionStarts[1]! + 2 * HOUR).toISOString() } } }),
        code: 'AUTHORIZATION_WINDOW_MISMATCH',
        message: /与考务数据（.* 开考，120 分钟）不一致/,
      },
      {
        name: 'a key that does not open the session content',
        bytes: () => issueAuthorization({ ...site.issueContext(1), contentKey: Buffer.alloc(32, 7).toString('base64') }),
        code: 'AUTHORIZATION_KEY_MISMATCH',
        message: /授权中的密钥与已载入的考试内容不匹配/,
      },
    ];

    for (const c of refusals) {
      it(`refuses ${c.name} with a Chinese message`, async () => {
        const r = await site.admin.post<ErrorBody>(`/api/authorization/import${c.query ?? ''}`, c.bytes());
        expect(r.status, JSON.stringify(r.body)).to.equal(400);
        expect(r.body.error.code).to.equal(c.code);
        expect(r.body.error.message).to.match(c.message);
        expect(await snapshot(site)).to.equal(before);
      });
    }
  });

  describe('online 考试授权 and replays', () => {
    it('R4.1 考试授权 downloads every session online from the centre: √ for all, 考试授权成功', async () => {
      const r = await site.admin.post<{ message: string; allAuthorized: boolean; results: { sessionNo: number; ok: boolean }[] }>('/api/authorization/download');
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body.message).to.equal('考试授权成功');
      expect(r.body.allAuthorized).to.equal(true);
      expect(r.body.results).to.deep.equal([
        { sessionNo: 1, ok: true },
        { sessionNo: 2, ok: true },
      ]);
      const sessions = await site.sessions();
      expect(sessions.map((s) => [s.authorized, s.authorizationSource, s.verified])).to.deep.equal([
        [true, 'online', false],
        [true, 'online', false],
      ]);
    });

    it('a second 考试授权 (the centre re-wraps the same key) changes nothing', async () => {
      const before = await snapshot(site);
      const r = await site.admin.post<{ allAuthorized: boolean }>('/api/authorization/download');
      expect(r.status).to.equal(200);
      expect(r.body.allAuthorized).to.equal(true);
      expect(await snapshot(site)).to.equal(before);
    });

    it('refuses an older version than the one held (no replay), and the same version with other content', async () => {
      const held = (await site.sessions())[0]!.version!;
      const newer = await site.admin.post<{ message: string; unchanged: boolean }>('/api/authorization/import?session=1', ptq(site, 1, { version: held + 1 }));
      expect(newer.status, JSON.stringify(newer.body)).to.equal(200);
      expect(newer.body).to.include({ message: '考试授权成功', unchanged: false });
      expect((await site.sessions())[0]!.authorizationSource).to.equal('file');

      const before = await snapshot(site);
      const older = await site.admin.post<ErrorBody>('/api/authorization/import', ptq(site, 1, { version: held }));
      expect(older.status).to.equal(400);
      expect(older.body.error.code).to.equal('AUTHORIZATION_REPLAYED');
      expect(older.body.error.message).to.contain(`版本 ${held} 早于已导入的版本 ${held + 1}，是旧文件`);
      const sameVersionOther = await site.admin.post<ErrorBody>('/api/authorization/import', ptq(site, 1, { version: held + 1, notAfter: new Date(site.sessionStarts[1]! + 48 * HOUR).toISOString() }));
      expect(sameVersionOther.status).to.equal(400);
      expect(sameVersionOther.body.error.message).to.contain('版本相同但内容不同');
      expect(await snapshot(site)).to.equal(before);
    });
  });
});

describe('考试授权 when the centre cannot be reached: manual .PTQ import (R4.2, R12.2)', function () {
  this.timeout(60_000);
  let site: AuthorizationSite;

  startedForSuite(() => startAuthorizationSite(), (v) => {
    site = v;
  });

  it('lists each failed session with the reason, then imports the .PTQ written by `write-ptq`', async () => {
    site.sim.setFault({ mode: 'down' });
    const r = await site.admin.post<{ message: string; allAuthorized: boolean; results: { sessionNo: number; ok: boolean; code?: string; message?: string }[] }>(
      '/api/authorization/download',
    );
    expect(r.status).to.equal(200);
    expect(r.body.allAuthorized).to.equal(false);
    expect(r.body.message).to.equal('2 个场次的考试授权下载失败，请手工导入对应场次的考试授权 .PTQ 文件');
    expect(r.body.results.map((x) => [x.sessionNo, x.ok])).to.deep.equal([
      [1, false],
      [2, false],
    ]);
    expect(r.body.results[0]!.code).to.match(/^CENTRE_/);
    expect(r.body.results[0]!.message).to.match(/监控平台/);
    expect((await site.sessions()).every((s) => !s.authorized)).to.equal(true);

    for (const no of [1, 2]) {
      const file = await writeSessionFileWithSim(site, writePtqCommand, no);
      const imported = await site.admin.post<{ message: string }>(`/api/authorization/import?session=${no}`, file);
      expect(imported.status, JSON.stringify(imported.body)).to.equal(200);
      expect(imported.body.message).to.equal('考试授权成功');
    }
    expect((await site.sessions()).map((s) => [s.sessionNo, s.authorized, s.authorizationSource])).to.deep.equal([
      [1, true, 'file'],
      [2, true, 'file'],
    ]);
    site.sim.setFault({ mode: 'none' });
  });

  it('refuses a file tampered on the wire by the centre link (online) and keeps the manual import', async () => {
    site.sim.setFault({ mode: 'tamper' });
    const before = await snapshot(site);
    const r = await site.admin.post<{ results: { ok: boolean; code?: string }[] }>('/api/authorization/download');
    site.sim.setFault({ mode: 'none' });
    expect(r.status).to.equal(200);
    expect(r.body.results.every((x) => !x.ok)).to.equal(true);
    expect(await snapshot(site)).to.equal(before);
  });
});

describe('考试授权 expiry on the dongle clock once it is calibrated (R4.4, R6.2)', function () {
  this.timeout(60_000);
  let site: AuthorizationSite;

  startedForSuite(() => startAuthorizationSite(), async (v) => {
    site = v;
    await site.calibrate();
  });

  it('refuses an authorization expired on the dongle clock even with the PC clock moved back before its expiry, and changes nothing', async () => {
    const before = await snapshot(site);
    // notAfter one hour behind the dongle; the PC clock is set back two hours.
    const expired = ptq(site, 1, { notAfter: new Date(Date.now() - HOUR).toISOString() });
    await withPcClockShift(-2 * HOUR, async () => {
      const r = await site.admin.post<ErrorBody>('/api/authorization/import', expired);
      expect(r.status, JSON.stringify(r.body)).to.equal(400);
      expect(r.body.error.code).to.equal('AUTHORIZATION_EXPIRED');
      expect(r.body.error.message).to.match(/^第 1 场次的授权文件已于 .* 过期（机考锁当前时间 .*）；请从监控平台重新获取考试授权$/);
    });
    expect(await snapshot(site)).to.equal(before);
  });
});
