import fs from 'node:fs';
import { expect } from 'chai';
import { formatChinaTime } from '../../../core/time/china-time';
import { openDongleSignedDocument, type DongleSignedDocument } from '../../../core/dongle/dongle-signed-document';
import { coreServices } from '../../../core/services';
import type { TestClient } from '../../../core/testing/http-client';
import type { TestServer } from '../../../core/testing/test-server';
import { newCentreKey } from '../registration/site-harness';
import type { EventLogExportBody, EventLogPage } from '../../../plugins/system/api/event-log';
import { startSystemSite } from './system-harness';

interface ErrorReply {
  error: { code: string; message: string };
}

/** Issue 13 point 6: 事件日志 — filters, chain state, CSV for people, signed JSON for the centre. */
describe('事件日志: the audit log page and its exports (issue 13 point 6)', function () {
  this.timeout(60_000);
  const key = newCentreKey();
  let site: { server: TestServer; admin: TestClient };

  beforeEach(async () => {
    site = await startSystemSite({ key });
    expect((await site.admin.put('/api/settings', { siteCode: '11003', mode: 'mock' })).status).to.equal(200);
    const audit = await site.server.kernel.get(coreServices.audit);
    await audit.record('proctor:11003001', 'proctor.registered', { roomCode: '11003001', ip: '10.0.0.11' });
    await audit.record('admin', 'registration.revoked', { roomCode: '11003002', ip: '10.0.0.12' });
    await audit.record('admin', 'load.refused', { reason: 'PACKAGE_SIGNATURE_INVALID' });
  });
  afterEach(async () => {
    const dir = site.server.dataDir;
    await site.server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const page = async (query = ''): Promise<EventLogPage> => {
    const r = await site.admin.get<EventLogPage>(`/api/system/events${query}`);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    return r.body;
  };

  it('lists logins, registrations, revocations, refusals and the start, newest first, in Chinese; the chain is 完整', async () => {
    const p = await page();
    const events = p.entries.map((e) => e.event);
    expect(events.slice(0, 3)).to.deep.equal(['考务数据被拒绝', '吊销考场注册', '考场注册']);
    expect(events).to.include.members(['管理员登录', '考点管理系统启动']);
    expect(p.entries[0]!.kind).to.equal('refusal');
    expect(p.entries[1]).to.include({ kind: 'revocation', room: '11003002', detail: '考场：11003002；地址：10.0.0.12' });
    expect(p.chain).to.deep.include({ intact: true, text: '完整', firstBrokenId: null });
    expect(p.total).to.equal(p.entries.length);
  });

  it('filters by kind, by room and by a China-time range', async () => {
    expect((await page('?kind=revocation')).entries.map((e) => e.event)).to.deep.equal(['吊销考场注册']);
    expect((await page('?kind=login')).entries.map((e) => e.event)).to.deep.equal(['管理员登录']);
    expect((await page('?room=11003001')).entries.map((e) => e.event)).to.deep.equal(['考场注册']);
    const all = await page();
    const newest = all.entries[0]!;
    // The newest entry's own second, as the page's pickers send it (China time).
    const second = encodeURIComponent(formatChinaTime(newest.at));
    const inRange = await page(`?from=${second}&to=${second}`);
    expect(inRange.entries.map((e) => e.id)).to.include(newest.id);
    expect(inRange.entries.every((e) => formatChinaTime(e.at) === formatChinaTime(newest.at))).to.equal(true);
    const future = encodeURIComponent(formatChinaTime(Date.now() + 3_600_000));
    expect((await page(`?from=${future}`)).entries).to.deep.equal([]);
  });

  it('refuses a malformed filter in Chinese and says what to write', async () => {
    const r1 = await site.admin.get<ErrorReply>('/api/system/events?from=2026-13-01%2000:00:00');
    expect(r1.status).to.equal(400);
    expect(r1.body.error.message).to.contain('开始时间“2026-13-01 00:00:00”不是有效的时间');
    const r2 = await site.admin.get<ErrorReply>('/api/system/events?kind=everything');
    expect(r2.status).to.equal(400);
    expect(r2.body.error.message).to.contain('事件类别无效');
    const r3 = await site.admin.get<ErrorReply>(`/api/system/events?from=${encodeURIComponent('2026-12-20 10:00:00')}&to=${encodeURIComponent('2026-12-20 09:00:00')}`);
    expect(r3.status).to.equal(400);
    expect(r3.body.error.message).to.equal('开始时间晚于结束时间，请重新选择时间范围');
  });

  it('shows a tampered log: an edited entry and a deleted one, with the place', async () => {
    const revoked = (await page('?kind=revocation')).entries[0]!;
    await site.server.store.manager.query(`UPDATE core_audit_log SET detail = '{"roomCode":"11003009"}' WHERE id = ${revoked.id}`);
    expect((await page()).chain).to.deep.include({ intact: false, text: `第${revoked.id}条起被改动`, firstBrokenId: revoked.id });
    await site.server.store.manager.query(`UPDATE core_audit_log SET detail = '{"roomCode":"11003002","ip":"10.0.0.12"}' WHERE id = ${revoked.id}`);
    expect((await page()).chain.text).to.equal('完整');
    await site.server.store.manager.query(`DELETE FROM core_audit_log WHERE id = ${revoked.id}`);
    expect((await page()).chain.text).to.equal(`第${revoked.id}条起被改动`);
  });

  it('exports CSV for people: UTF-8 with BOM, China time, Chinese columns, the chain state last', async () => {
    // Raw bytes: fetch's text() would drop the BOM this test is about.
    const r = await fetch(`${site.server.url}/api/system/events.csv?kind=revocation`, { headers: { authorization: `Bearer ${site.admin.token}` } });
    expect(r.status).to.equal(200);
    expect(r.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
    const bytes = Buffer.from(await r.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').split('\r\n');
    expect(lines[0]).to.equal('序号,时间（北京时间）,类别,事件,操作者,考场,详情');
    expect(lines[1]).to.match(/^\d+,\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},吊销,吊销考场注册,admin,11003002,考场：11003002；地址：10\.0\.0\.12$/);
    expect(lines[2]).to.equal('日志完整性：完整');
  });

  it('exports JSON signed by the site dongle: the signature verifies, a changed payload does not', async () => {
    const r = await site.admin.get<DongleSignedDocument & { body: EventLogExportBody }>('/api/system/events.json');
    expect(r.status).to.equal(200);
    const doc = r.body;
    const dongle = (await site.server.kernel.get(coreServices.dongle)).current()!;
    expect(doc.signingPublicKey).to.equal(dongle.publicKeys().signing);
    const opened = openDongleSignedDocument(doc, dongle.publicKeys().signing) as EventLogExportBody;
    expect(opened).to.deep.equal(doc.body);
    expect(opened).to.include({ kind: 'examsite.event-log', siteCode: '11003', mode: 'mock' });
    expect(opened.chain.text).to.equal('完整');
    expect(opened.entries.map((e) => e.action)).to.include.members(['proctor.registered', 'registration.revoked', 'load.refused']);
    const changed = Buffer.from(JSON.stringify({ ...opened, siteCode: '11004' }), 'utf8').toString('base64');
    expect(openDongleSignedDocument({ ...doc, payload: changed }, dongle.publicKeys().signing)).to.equal(null);
  });
});
