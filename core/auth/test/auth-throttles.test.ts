import { expect } from 'chai';
import { AdminSessionRow, AdminUserRow } from '../../store/core-entities';
import { auditEventCount } from '../../testing/audit-events';
import { serverPerTest } from '../../testing/server-per-test';
import { TestClient } from '../../testing/http-client';
import type { ErrorBody } from '../../http/errors';

describe('admin password throttles (issue 10 point 2)', function () {
  this.timeout(60_000);
  const t = serverPerTest({ plugins: [] });

  it('the login throttle counts per address whatever username is tried: fresh usernames get no fresh allowance', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push((await t.client.post<ErrorBody>('/api/auth/login', { username: `guess-${i}`, password: 'wrong' })).status);
    }
    expect(statuses).to.deep.equal([401, 401, 401, 401, 429, 429, 429]);
    // The address is locked for the real account too.
    const right = await t.client.post<ErrorBody>('/api/auth/login', { username: 'admin', password: '888' });
    expect(right.status).to.equal(429);
    expect(right.body.error.message).to.match(/^登录失败次数过多/);
    expect(right.headers.get('retry-after')).to.match(/^\d+$/);
    expect(await t.server.store.manager.count(AdminSessionRow)).to.equal(0);
    // Five attempts were compared (and audited), the rest refused before the hash.
    expect(await auditEventCount(t.server, 'login.failed')).to.equal(5);
  });

  it('the old-password check of a password change is throttled: after 5 wrong ones even the right one is refused, nothing changes', async () => {
    await t.client.login();
    const before = (await t.server.store.manager.findOneByOrFail(AdminUserRow, { username: 'admin' })).passwordHash;
    const answers: { status: number; message: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await t.client.put<ErrorBody>('/api/auth/password', { oldPassword: `wrong-${i}`, newPassword: 'Secret-2026' });
      answers.push({ status: r.status, message: r.body.error.message });
    }
    expect(answers.map((a) => a.status)).to.deep.equal([400, 400, 400, 400, 429]);
    expect(answers[3]!.message).to.equal('原密码不正确，请重新输入（还可尝试 1 次）');
    expect(answers[4]!.message).to.equal('原密码错误次数过多，密码修改已暂时锁定，请 15 分钟后再试');
    const right = await t.client.put<ErrorBody>('/api/auth/password', { oldPassword: '888', newPassword: 'Secret-2026' });
    expect(right.status).to.equal(429);
    expect(right.body.error.message).to.match(/^原密码错误次数过多，请 \d+ 分钟后再试$/);
    expect((await t.server.store.manager.findOneByOrFail(AdminUserRow, { username: 'admin' })).passwordHash).to.equal(before);
    // The session itself is not ended, and the login throttle is a separate count.
    expect((await t.client.get('/api/auth/me')).status).to.equal(200);
    expect((await new TestClient(t.server.url).post('/api/auth/login', { username: 'admin', password: '888' })).status).to.equal(200);
  });

  it('a right old password clears the count', async () => {
    await t.client.login();
    for (let i = 0; i < 4; i++) await t.client.put('/api/auth/password', { oldPassword: `wrong-${i}`, newPassword: 'Secret-2026' });
    expect((await t.client.put('/api/auth/password', { oldPassword: '888', newPassword: 'Secret-2026' })).status).to.equal(200);
    const wrong = await t.client.put<ErrorBody>('/api/auth/password', { oldPassword: 'wrong-again', newPassword: 'Secret-2027' });
    expect(wrong.body.error.message).to.equal('原密码不正确，请重新输入（还可尝试 4 次）');
  });
});
