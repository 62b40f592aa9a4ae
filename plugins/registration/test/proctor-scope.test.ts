import { expect } from 'chai';
import { z } from 'zod';
import { definePlugin } from '../../../core/kernel/plugin';
import { AppError } from '../../../core/http/errors';
import { ProctorApiError, ProctorClient } from '../../../test/sim/proctor/proctor-client';
import { proctorApiRef, proctorCredentialsRef, type ProctorApi, type ProctorCredentialCheck } from '../api';
import { startRegistrationKernel, type RegistrationKernel } from './registration-kernel';

const ROOM1 = '11003001';
const ROOM2 = '11003002';

/** A stage that mounts proctor routes whose handlers check nothing themselves. */
let mounted: ProctorApi | null = null;
let credentials: ProctorCredentialCheck | null = null;
const probePlugin = definePlugin({
  manifest: { id: 'scope-probe', version: '1.0.0', host: '^0.1.0', displayName: '范围探针' },
  register(env) {
    env.registerInit({
      deps: { proctorApi: proctorApiRef, check: proctorCredentialsRef },
      init({ proctorApi, check }) {
        mounted = proctorApi;
        credentials = check;
        proctorApi.route({
          method: 'get',
          path: '/probe/rooms/:roomCode',
          operationId: 'probeRoomByPath',
          summary: '测试：按路径中的考场访问',
          params: z.object({ roomCode: z.string() }),
          room: ({ params }) => params.roomCode,
          response: z.object({ reached: z.string() }),
          handler: ({ params }) => ({ reached: params.roomCode }),
        });
        proctorApi.route({
          method: 'get',
          path: '/probe/by-query',
          operationId: 'probeRoomByQuery',
          summary: '测试：按查询参数中的考场访问',
          query: z.object({ room: z.string() }),
          room: ({ query }) => query.room,
          response: z.object({ reached: z.string() }),
          handler: ({ query }) => ({ reached: query.room }),
        });
      },
    });
  },
});

describe('proctor scope enforced by ProctorApi, not by each handler (issue 9 point 8)', () => {
  let site: RegistrationKernel;
  let proctor: ProctorClient;

  before(async () => {
    site = await startRegistrationKernel({ extraPlugins: [probePlugin] });
    proctor = site.proctor();
    await proctor.register({ roomCode: ROOM1, registrationCode: await site.code(ROOM1), machineId: 'pc-1', clientVersion: 't' });
  });
  after(async () => {
    await site.stop();
  });

  async function status(path: string): Promise<{ status: number; body: unknown }> {
    const res = await site.fetch(`/api/proctor/v1${path}`, { headers: { authorization: `Bearer ${proctor.credentials!.token}` } });
    return { status: res.status, body: await res.json() };
  }

  it('lets a proctor reach its own room and refuses another room with 403 before the handler runs', async () => {
    expect(await status(`/probe/rooms/${ROOM1}`)).to.deep.equal({ status: 200, body: { reached: ROOM1 } });
    const other = await status(`/probe/rooms/${ROOM2}`);
    expect(other.status).to.equal(403);
    expect((other.body as { error: { message: string } }).error.message).to.equal(`本机注册的是考场 ${ROOM1}，无权访问考场 ${ROOM2} 的数据`);
    expect((await status(`/probe/by-query?room=${ROOM2}`)).status).to.equal(403);
    expect((await status(`/probe/by-query?room=${ROOM1}`)).status).to.equal(200);
  });

  it('the registration stage’s own room route is scoped the same way', async () => {
    expect((await status(`/rooms/${ROOM2}`)).status).to.equal(403);
    expect((await status(`/rooms/${ROOM1}`)).status).to.equal(200);
  });

  it('refuses to mount a route that declares no room', () => {
    const undeclared = { method: 'get', path: '/probe/undeclared', summary: 'x', response: null, handler: () => undefined } as unknown as Parameters<ProctorApi['route']>[0];
    expect(() => mounted!.route(undeclared)).to.throw(/没有声明它访问的考场/);
  });

  it('checks a credential without HTTP (FTP login): right room, other room, revoked', async () => {
    expect(credentials!.verify(ROOM1, proctor.credentials!.token).roomCode).to.equal(ROOM1);
    const refusal = (room: string, token: string): AppError => {
      try {
        credentials!.verify(room, token);
      } catch (e) {
        return e as AppError;
      }
      throw new Error('expected a refusal');
    };
    const other = refusal(ROOM2, proctor.credentials!.token);
    expect(other.status).to.equal(401);
    expect(other.message).to.contain(`该凭证属于考场 ${ROOM1}`);
    expect(refusal(ROOM1, 'not-a-token').status).to.equal(401);
    const revoked = await site.admin.post(`/api/registration/rooms/${ROOM1}/revoke`, {});
    expect(revoked.status, JSON.stringify(revoked.body)).to.equal(200);
    expect(refusal(ROOM1, proctor.credentials!.token).code).to.equal('PROCTOR_REVOKED');
    await proctor.whoami().then(
      () => expect.fail('revoked'),
      (e: ProctorApiError) => expect(e.status).to.equal(401),
    );
  });
});
