import { expect } from 'chai';
import { FakeCentreClient } from '../../../core/testing/fake-centre';
import { startedForEachTest } from '../../../core/testing/started-fixture';
import { fakeService, startTestKernel, type TestKernel } from '../../../core/testing/test-kernel';
import { examDataServiceRef } from '../../load/api';
import { FakeProctors } from '../../registration/test/fake-proctors';
import { FakeExamData, FIRST_RELEASE, SITE_CODE } from '../../registration/test/registration-kernel';
import type { SessionAuthorizationStatus } from '../api';
import { plugin } from '../server/plugin';

interface ErrorReply {
  error: { code: string; message: string };
}

describe('考试授权 alone: the session table, refused files and key release (R4, R6.3)', () => {
  let k: TestKernel;
  let proctors: FakeProctors;
  startedForEachTest(
    async () => {
      const examData = new FakeExamData();
      examData.publish(FIRST_RELEASE);
      proctors = new FakeProctors();
      proctors.register('11003001');
      const kernel = await startTestKernel({ plugins: [plugin, proctors.plugin], fakes: [fakeService(examDataServiceRef, examData)], centre: new FakeCentreClient() });
      expect((await kernel.admin.put('/api/settings', { siteCode: SITE_CODE, mode: 'mock' })).status).to.equal(200);
      return kernel;
    },
    (v) => {
      k = v;
    },
  );

  const sessions = async (): Promise<SessionAuthorizationStatus[]> => (await k.admin.get<{ sessions: SessionAuthorizationStatus[] }>('/api/authorization/sessions')).body.sessions;

  it('lists each session of the exam data, none authorized; a file that is no signed authorization is refused and changes nothing', async () => {
    const before = await sessions();
    expect(before.map((s) => [s.sessionNo, s.name, s.authorized, s.verified])).to.deep.equal([
      [1, '第1场', false, false],
      [2, '第2场', false, false],
    ]);
    const r = await k.admin.post<ErrorReply>('/api/authorization/import?session=1', Buffer.from('{"not":"a ptq"}'), { 'content-type': 'application/octet-stream' });
    expect(r.status, JSON.stringify(r.body)).to.be.within(400, 499);
    expect(r.body.error.code).to.match(/^AUTHORIZATION_|^ENVELOPE_MALFORMED$/);
    expect(r.body.error.message).to.match(/[\u4e00-\u9fa5]/);
    expect(await sessions()).to.deep.equal(before);
  });

  it('releases no key to a proctor before its session is authorized, and none without a credential', async () => {
    const r = await k.http.fetchFrom('192.168.10.57')('http://127.0.0.1/api/proctor/v1/sessions/1/key', { headers: proctors.headers('11003001') });
    const body = (await r.json()) as ErrorReply;
    expect(r.status, JSON.stringify(body)).to.equal(403);
    expect(body.error.code).to.equal('SESSION_NOT_AUTHORIZED');
    expect(body.error.message).to.match(/[\u4e00-\u9fa5]/);
    const anonymous = await k.http.fetchFrom('192.168.10.57')('http://127.0.0.1/api/proctor/v1/sessions/1/key');
    expect(anonymous.status).to.equal(401);
  });
});
