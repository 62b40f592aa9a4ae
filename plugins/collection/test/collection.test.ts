import { expect } from 'chai';
import { startedForEachTest } from '../../../core/testing/started-fixture';
import { fakeService, startTestKernel, type TestKernel } from '../../../core/testing/test-kernel';
import { examDataServiceRef } from '../../load/api';
import { FakeProctors } from '../../registration/test/fake-proctors';
import { FakeExamData, FIRST_RELEASE, SITE_CODE } from '../../registration/test/registration-kernel';
import type { CollectionTable } from '../api/contract';
import { plugin } from '../server/plugin';

interface ErrorReply {
  error: { code: string; message: string };
}

describe('考试结果回收 alone: the collection table and refused packages (R8)', () => {
  let k: TestKernel;
  startedForEachTest(
    async () => {
      const examData = new FakeExamData();
      examData.publish(FIRST_RELEASE);
      const proctors = new FakeProctors();
      proctors.register('11003001');
      const kernel = await startTestKernel({ plugins: [plugin, proctors.plugin], fakes: [fakeService(examDataServiceRef, examData)] });
      expect((await kernel.admin.put('/api/settings', { siteCode: SITE_CODE, mode: 'mock' })).status).to.equal(200);
      return kernel;
    },
    (v) => {
      k = v;
    },
  );

  const table = async (): Promise<CollectionTable> => (await k.admin.get<CollectionTable>('/api/collection/table')).body;

  it('expects one package per room and session of the exam data, none collected; a file that is no result package is refused and changes nothing', async () => {
    const before = await table();
    expect(before.sessions.map((s) => s.no)).to.deep.equal([1, 2]);
    expect(before.expectedPackages).to.equal(6);
    expect(before.collectedPackages).to.equal(0);
    const r = await k.admin.post<ErrorReply>('/api/collection/import?name=11003001_1.zip', Buffer.from('not a zip'), { 'content-type': 'application/zip' });
    expect(r.status, JSON.stringify(r.body)).to.be.within(400, 499);
    expect(r.body.error.message).to.match(/[\u4e00-\u9fa5]/);
    expect(await table()).to.deep.equal(before);
  });
});
