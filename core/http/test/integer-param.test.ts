import { expect } from 'chai';
import { z } from 'zod';
import { definePlugin } from '../../kernel/plugin';
import { coreServices } from '../../services';
import { startTestKernel } from '../../testing/test-kernel';
import { integerParam } from '../integer-param';

describe('path and query integers are strict (issue 10 point 4)', () => {
  const no = z.object({ no: integerParam(1, 99, '场次号必须是 1–99 的整数') });

  it('reads plain decimal integers in range', () => {
    expect(no.parse({ no: '1' })).to.deep.equal({ no: 1 });
    expect(no.parse({ no: '99' })).to.deep.equal({ no: 99 });
  });

  it('refuses every other spelling of a number, with the Chinese message', () => {
    for (const bad of ['1 ', ' 1', '0x1', '01', '1.0', '+1', '1e0', '', '100', '0', '-1', '１']) {
      const r = no.safeParse({ no: bad });
      expect(r.success, JSON.stringify(bad)).to.equal(false);
      expect(r.error!.issues[0]!.message, JSON.stringify(bad)).to.equal('场次号必须是 1–99 的整数');
    }
  });
});

describe('a route reads `1%20` and `0x1` as no session at all (issue 10 point 4)', function () {
  this.timeout(60_000);
  let handled = 0;
  const sessions = definePlugin({
    manifest: { id: 'sessions', version: '1.0.0', host: '^0.1.0', displayName: '场次' },
    register: (env) =>
      env.registerInit({
        deps: { http: coreServices.http, auth: coreServices.adminAuth },
        init({ http, auth }) {
          http.route({
            method: 'post',
            path: '/sessions/:no/verify',
            operationId: 'verifySessionProbe',
            summary: '校验场次',
            guard: auth.guard,
            params: z.object({ no: integerParam(1, 99, '场次号必须是 1–99 的整数') }),
            response: z.object({ no: z.number() }),
            handler: ({ params }) => ({ no: (handled++, params.no) }),
          });
        },
      }),
  });

  it('400 naming the parameter, before the handler runs', async () => {
    const k = await startTestKernel({ plugins: [sessions] });
    try {
      for (const no of ['1%20', '0x1', '01']) {
        const r = await k.admin.post<{ error: { code: string; message: string } }>(`/api/sessions/sessions/${no}/verify`);
        expect(r.status, no).to.equal(400);
        expect(r.body.error.code, no).to.equal('INVALID_INPUT');
        expect(r.body.error.message, no).to.contain('场次号必须是 1–99 的整数');
      }
      expect(handled).to.equal(0);
      expect((await k.admin.post<{ no: number }>('/api/sessions/sessions/7/verify')).body).to.deep.equal({ no: 7 });
    } finally {
      await k.stop();
    }
  });
});
