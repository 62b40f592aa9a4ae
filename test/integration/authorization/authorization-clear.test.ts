import { expect } from 'chai';
import { AppError } from '../../../core/http/errors';
import { issueAuthorization } from '../../sim/centre/authorization-issuer';
import type { DataParticipants } from '../../../core/lifecycle/data-participants';
import { coreServices } from '../../../core/services';
import { authorizationDirectoryRef } from '../../../plugins/authorization/api';
import { AuthorizationService } from '../../../plugins/authorization/server/authorization-service';
import { startAuthorizationSite, type AuthorizationSite } from './authorization-harness';
import { startedForEachTest } from '../../../core/testing/started-fixture';

const CLEARED_MESSAGE = '考试授权数据已被初始化，本次导入或授权验证已取消；请在初始化完成后重新进行考试授权';

async function rowCount(site: AuthorizationSite): Promise<number> {
  const [r] = (await site.server.store.manager.query('SELECT COUNT(*) AS n FROM authorization_session')) as { n: number | string }[];
  return Number(r!.n);
}

/**
 * 初始化 (R9.3): the authorization plugin's data participant clears behind the import in
 * progress (the plugin's own queue), and work asked for before it — a queued import, the
 * rest of a 考试授权 download — is refused with a Chinese message instead of re-adding its
 * row after the clear.
 */
describe('authorization is cleared by 初始化 behind imports (R9.3, R4)', function () {
  this.timeout(60_000);
  let site: AuthorizationSite;
  let service: AuthorizationService;
  let participants: DataParticipants;

  startedForEachTest(() => startAuthorizationSite(), async (v) => {
    site = v;
    const directory = await site.server.kernel.get(authorizationDirectoryRef);
    expect(directory).to.be.instanceOf(AuthorizationService);
    service = directory as AuthorizationService;
    participants = await site.server.kernel.get(coreServices.dataParticipants);
  });

  /** 初始化 of this plugin's data through its data participant, as the system stage runs it. */
  function initialize(): Promise<void> {
    return participants.clearAll('admin', { only: (owner) => owner === 'authorization' });
  }

  it('an import asked for before 初始化 does not re-add its row after it; it is refused and says what to do', async () => {
    const importing = service.importAuthorization(issueAuthorization(site.issueContext(1)), 'file', 'admin', 1);
    const clearing = initialize();
    const [imported, cleared] = await Promise.allSettled([importing, clearing]);
    expect(cleared.status).to.equal('fulfilled');
    expect(imported.status).to.equal('rejected');
    const err = (imported as PromiseRejectedResult).reason as AppError;
    expect(err).to.be.instanceOf(AppError);
    expect(err.code).to.equal('AUTHORIZATION_CLEARED');
    expect(err.message).to.equal(CLEARED_MESSAGE);
    expect(await rowCount(site)).to.equal(0);
    expect((await site.sessions()).map((s) => s.authorized)).to.deep.equal([false, false]);

    // After the initialization the same file imports normally.
    const again = await site.admin.post('/api/authorization/import?session=1', issueAuthorization(site.issueContext(1)));
    expect(again.status, JSON.stringify(again.body)).to.equal(200);
    expect(await rowCount(site)).to.equal(1);
  });

  it('初始化 during a 考试授权 download: the session being imported finishes first, then the clear; the rest of the download is refused', async () => {
    let clearing: Promise<void> | null = null;
    // Fired inside session 1's import, after its row was written: 初始化 arrives mid-download.
    service.onChanged((sessionNo) => {
      if (sessionNo === 1 && !clearing) clearing = initialize();
    });
    const results = await service.downloadAll('admin');
    expect(clearing).to.not.equal(null);
    await clearing;
    expect(results).to.deep.equal([
      { sessionNo: 1, ok: true },
      { sessionNo: 2, ok: false, code: 'AUTHORIZATION_CLEARED', message: CLEARED_MESSAGE },
    ]);
    expect(await rowCount(site)).to.equal(0);
    expect((await site.sessions()).map((s) => s.authorized)).to.deep.equal([false, false]);
  });
});
