import fs from 'node:fs';
import { expect } from 'chai';
import type { TestClient } from '../../../core/testing/http-client';
import type { TestServer } from '../../../core/testing/test-server';
import { buildPackage, newCentreKey } from '../registration/site-harness';
import { restarted, startSystemSite, type UnreportedProbe } from './system-harness';

const SITE = '11003';

interface ErrorReply {
  error: { code: string; message: string };
}

async function counts(server: TestServer): Promise<string> {
  const n = async (table: string): Promise<number> =>
    Number(((await server.store.manager.query(`SELECT COUNT(*) AS n FROM ${table}`)) as { n: number }[])[0]!.n);
  return JSON.stringify({ rooms: await n('load_room'), sessions: await n('load_session'), regs: await n('registration_room'), settings: await n('core_setting') });
}

describe('系统初始化 and 退出系统 (R9.3, R9.5; issue 13 points 3, 4)', function () {
  this.timeout(60_000);
  const key = newCentreKey();
  let site: { server: TestServer; admin: TestClient };
  let probe: UnreportedProbe;

  beforeEach(async () => {
    probe = { pending: [] };
    site = await startSystemSite({ key, probe });
    expect((await site.admin.put('/api/settings', { siteCode: SITE, mode: 'mock' })).status).to.equal(200);
    const pkg = await buildPackage(key, { siteCode: SITE });
    expect((await site.admin.post('/api/load/import', pkg.bytes, { 'content-type': 'application/zip' })).status).to.equal(200);
  });
  afterEach(async () => {
    const dir = site.server.dataDir;
    await site.server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a wrong site code in the last confirmation; nothing changes', async () => {
    const before = await counts(site.server);
    const r = await site.admin.post<ErrorReply>('/api/system/initialize', { confirmation: '11004' });
    expect(r.status).to.equal(400);
    expect(r.body.error.message).to.contain('与本考点代码 11003 不一致');
    expect(await counts(site.server)).to.equal(before);
  });

  it('clears site code, exam data and registrations, keeps the password, restarts in process', async () => {
    expect((await site.admin.put('/api/auth/password', { oldPassword: '888', newPassword: 'Kd-2026-site', confirmPassword: 'Kd-2026-site' })).status).to.be.oneOf([200, 204]);
    const r = await site.admin.post<{ restarting: boolean }>('/api/system/initialize', { confirmation: SITE });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    await restarted(site.server, 0);
    expect(await counts(site.server)).to.equal(JSON.stringify({ rooms: 0, sessions: 0, regs: 0, settings: 0 }));
    expect(fs.readdirSync(`${site.server.dataDir}/plugins/load/content`)).to.deep.equal([]);
    await site.admin.login('admin', 'Kd-2026-site');
    expect((await site.admin.get<{ siteCode: string | null }>('/api/settings')).body.siteCode).to.equal(null);
    const audit = (await site.server.store.manager.query("SELECT action FROM core_audit_log WHERE action = 'system.initialized'")) as unknown[];
    expect(audit).to.have.length(1);
  });

  it('in a formal exam, initialization and exit are refused while results are unreported, then allowed', async () => {
    // A fresh site in formal mode (the package above is a mock one).
    const dir = site.server.dataDir;
    await site.server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    site = await startSystemSite({ key, probe });
    expect((await site.admin.put('/api/auth/password', { oldPassword: '888', newPassword: 'Kd-2026-site', confirmPassword: 'Kd-2026-site' })).status).to.be.oneOf([200, 204]);
    expect((await site.admin.put('/api/settings', { siteCode: SITE, mode: 'formal' })).status).to.equal(200);
    probe.pending = ['考场 11003001 未确认'];
    const before = await counts(site.server);

    const init = await site.admin.post<ErrorReply>('/api/system/initialize', { confirmation: SITE });
    expect(init.status).to.equal(409);
    expect(init.body.error.code).to.equal('INIT_BLOCKED_UNREPORTED');
    expect(init.body.error.message).to.contain('考试结果：考场 11003001 未确认');
    const exit = await site.admin.post<ErrorReply>('/api/system/exit');
    expect(exit.status).to.equal(409);
    expect(exit.body.error.message).to.contain('不能关闭考点管理系统');
    expect(await site.server.control.stopBlockers()).to.deep.equal(['考试结果：考场 11003001 未确认']);
    expect(await counts(site.server)).to.equal(before);

    probe.pending = [];
    const ok = await site.admin.post<{ exiting: boolean }>('/api/system/exit');
    expect(ok.status).to.equal(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(await site.admin.get('/api/settings').catch((e: unknown) => e)).to.be.instanceOf(Error);
  });
});
