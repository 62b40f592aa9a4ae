import { expect } from 'chai';
import { AdminSessionRow, AuditLogRow, SettingRow } from '../../store/core-entities';
import { serverPerTest } from '../../testing/server-per-test';
import { TestClient } from '../../testing/http-client';
import type { ErrorBody } from '../errors';

describe('admin auth and settings (R1.2, R1.3, R9.4)', function () {
  this.timeout(30000);
  const t = serverPerTest({ plugins: [] });

  it('R1.2 logs in with admin/888 on first start and says the password must change', async () => {
    const r = await t.client.post<{ token: string; mustChangePassword: boolean }>('/api/auth/login', { username: 'admin', password: '888' });
    expect(r.status).to.equal(200);
    expect(r.body.token).to.be.a('string').with.length.greaterThan(30);
    expect(r.body.mustChangePassword).to.equal(true);
    expect(r.headers.get('set-cookie')).to.match(/examsite_session=.*httponly/i);
    t.client.token = r.body.token;
    expect((await t.client.get('/api/auth/me')).status).to.equal(200);
  });

  it('R1.2 refuses admin routes without a token, with a Chinese message and no stack', async () => {
    const r = await t.client.get<ErrorBody>('/api/status');
    expect(r.status).to.equal(401);
    expect(r.body.error.message).to.equal('请先登录');
    expect(JSON.stringify(r.body)).not.to.match(/at .*\.js/);
  });

  it('R1.2 throttles wrong passwords and then locks the account from that address', async () => {
    const statuses: number[] = [];
    let last: ErrorBody | undefined;
    for (let i = 0; i < 6; i++) {
      const r = await t.client.post<ErrorBody>('/api/auth/login', { username: 'admin', password: 'wrong' });
      statuses.push(r.status);
      last = r.body;
    }
    expect(statuses.slice(0, 4)).to.deep.equal([401, 401, 401, 401]);
    expect(statuses[4]).to.equal(429);
    expect(statuses[5]).to.equal(429);
    expect(last!.error.message).to.contain('登录失败次数过多');
    // Even the right password is refused while locked.
    const ok = await t.client.post<ErrorBody>('/api/auth/login', { username: 'admin', password: '888' });
    expect(ok.status).to.equal(429);
    const audits = await t.server.store.manager.findBy(AuditLogRow, { action: 'login.failed' });
    expect(audits.length).to.be.greaterThan(0);
  });

  it('R1.2 throttling holds under concurrent guesses: no more than 5 passwords are tried, even the right one is refused', async () => {
    // All sent at once, before the first slow hash finishes: a check-then-count throttle lets every one through.
    const wrong = Array.from({ length: 10 }, (_, i) => t.client.post<ErrorBody>('/api/auth/login', { username: 'admin', password: `guess-${i}` }));
    const right = t.client.post<ErrorBody>('/api/auth/login', { username: 'admin', password: '888' });
    const results = await Promise.all([...wrong, right]);
    const tried = results.filter((r) => r.status === 401 || r.status === 200).length;
    expect(tried).to.be.at.most(5);
    expect((await right).status).to.equal(429);
    expect((await right).body.error.message).to.contain('登录失败次数过多');
    expect(await t.server.store.manager.count(AdminSessionRow)).to.equal(0);
  });

  it('R1.2 logout invalidates the token at once', async () => {
    await t.client.login();
    expect((await t.client.post('/api/auth/logout')).status).to.equal(200);
    const r = await t.client.get<ErrorBody>('/api/status');
    expect(r.status).to.equal(401);
    expect(r.body.error.message).to.contain('登录已失效');
  });

  it('R1.2 a new login rotates the session cookie: the old one ends', async () => {
    const first = await t.client.post<{ token: string }>('/api/auth/login', { username: 'admin', password: '888' });
    const second = await t.client.post<{ token: string }>('/api/auth/login', { username: 'admin', password: '888' }, { cookie: `examsite_session=${first.body.token}` });
    expect(second.body.token).not.to.equal(first.body.token);
    t.client.token = first.body.token;
    expect((await t.client.get('/api/status')).status).to.equal(401);
    t.client.token = second.body.token;
    expect((await t.client.get('/api/status')).status).to.equal(200);
  });

  it('R9.4 password change: wrong old password, mismatch, too short, then success', async () => {
    await t.client.login();
    const wrongOld = await t.client.put<ErrorBody>('/api/auth/password', { oldPassword: 'nope', newPassword: 'Secret-2026' });
    expect(wrongOld.status).to.equal(400);
    expect(wrongOld.body.error.message).to.equal('原密码不正确，请重新输入（还可尝试 4 次）');
    const mismatch = await t.client.put<ErrorBody>('/api/auth/password', { oldPassword: '888', newPassword: 'Secret-2026', confirmPassword: 'Secret-2027' });
    expect(mismatch.body.error.message).to.equal('两次输入的新密码不一致，请重新输入');
    const short = await t.client.put<ErrorBody>('/api/auth/password', { oldPassword: '888', newPassword: '12345' });
    expect(short.body.error.message).to.contain('新密码至少需要 6 位');
    // Nothing changed: the default password still works.
    expect((await new TestClient(t.server.url).post('/api/auth/login', { username: 'admin', password: '888' })).status).to.equal(200);

    const ok = await t.client.put('/api/auth/password', { oldPassword: '888', newPassword: 'Secret-2026', confirmPassword: 'Secret-2026' });
    expect(ok.status).to.equal(200);
    const other = new TestClient(t.server.url);
    expect((await other.post('/api/auth/login', { username: 'admin', password: '888' })).status).to.equal(401);
    const fresh = await other.post<{ mustChangePassword: boolean }>('/api/auth/login', { username: 'admin', password: 'Secret-2026' });
    expect(fresh.status).to.equal(200);
    expect(fresh.body.mustChangePassword).to.equal(false);
    // The session that changed the password survives; other sessions ended.
    expect((await t.client.get('/api/status')).status).to.equal(200);
    expect(await t.server.store.manager.count(AdminSessionRow)).to.equal(2);
  });

  it('R1.3 site code must be exactly 5 digits; a bad one stores nothing', async () => {
    await t.client.login();
    for (const bad of ['1100', '110034', 'abcde', '11 03', '']) {
      const r = await t.client.put<ErrorBody>('/api/settings', { siteCode: bad, mode: 'mock' });
      expect(r.status, bad).to.equal(400);
      expect(r.body.error.message).to.contain('考点代码必须是 5 位数字');
    }
    const badMode = await t.client.put<ErrorBody>('/api/settings', { siteCode: '11003', mode: 'exam' });
    expect(badMode.status).to.equal(400);
    expect(badMode.body.error.message).to.contain('考试模式');
    expect(await t.server.store.manager.count(SettingRow)).to.equal(0);
    expect((await t.client.get<{ siteCode: string | null }>('/api/settings')).body.siteCode).to.equal(null);
  });

  it('R1.3 the site code is set once and cannot change afterwards', async () => {
    await t.client.login();
    const set = await t.client.put<{ siteCode: string; mode: string }>('/api/settings', { siteCode: '11003', mode: 'mock' });
    expect(set.status).to.equal(200);
    expect(set.body).to.deep.equal({ siteCode: '11003', mode: 'mock' });
    const change = await t.client.put<ErrorBody>('/api/settings', { siteCode: '11004', mode: 'mock' });
    expect(change.status).to.equal(409);
    expect(change.body.error.message).to.contain('考点代码已设置为 11003');
    const status = await t.client.get<{ siteCode: string; mode: string; lan: string }>('/api/status');
    expect(status.body.siteCode).to.equal('11003');
    expect(status.body.mode).to.equal('mock');
    expect(status.body.lan).to.equal('running');
  });

  it('refuses bodies that are too large or not JSON, in Chinese', async () => {
    const big = await t.client.request<ErrorBody>('POST', '/api/auth/login', Buffer.alloc(10_000, 97), { 'content-type': 'application/json' });
    expect(big.status).to.equal(413);
    expect(big.body.error.message).to.contain('超过');
    const notJson = await t.client.request<ErrorBody>('POST', '/api/auth/login', Buffer.from('{oops'), { 'content-type': 'application/json' });
    expect(notJson.status).to.equal(400);
    expect(notJson.body.error.message).to.equal('请求内容不是有效的 JSON');
  });

  it('serves the OpenAPI document generated from the validating schemas', async () => {
    const r = await t.client.get<{ openapi: string; paths: Record<string, unknown> }>('/api/openapi.json');
    expect(r.status).to.equal(200);
    expect(r.body.openapi).to.equal('3.1.0');
    expect(r.body.paths).to.have.property('/api/settings');
    expect(JSON.stringify(r.body.paths['/api/settings'])).to.contain('pattern');
  });

  it('R1.2 a formal exam cannot be set up while the default password is unchanged', async () => {
    await t.client.login();
    const refused = await t.client.put<ErrorBody>('/api/settings', { siteCode: '11003', mode: 'formal' });
    expect(refused.status).to.equal(409);
    expect(refused.body.error.message).to.contain('正式考试前必须修改默认密码');
    expect(await t.server.store.manager.count(SettingRow)).to.equal(0);
    expect((await t.client.put('/api/auth/password', { oldPassword: '888', newPassword: 'Secret-2026' })).status).to.equal(200);
    const ok = await t.client.put<{ mode: string }>('/api/settings', { siteCode: '11003', mode: 'formal' });
    expect(ok.status).to.equal(200);
    expect(ok.body.mode).to.equal('formal');
  });

  it('R1.2 an admin session left unused past the idle limit ends', async () => {
    await t.client.login();
    const hash = (await t.server.store.manager.find(AdminSessionRow))[0]!.tokenHash;
    await t.server.store.write((em) => em.update(AdminSessionRow, { tokenHash: hash }, { lastSeenAt: new Date(Date.now() - 13 * 3_600_000).toISOString() }));
    const r = await t.client.get<ErrorBody>('/api/status');
    expect(r.status).to.equal(401);
    expect(r.body.error.message).to.contain('未操作，登录已失效');
    expect(await t.server.store.manager.count(AdminSessionRow)).to.equal(0);
  });

  it('sends a same-origin Content-Security-Policy with every answer', async () => {
    const r = await fetch(t.server.url + '/api/public/info');
    expect(r.headers.get('content-security-policy')).to.contain("default-src 'self'").and.contain("frame-ancestors 'none'");
  });
});
