import { expect } from 'chai';
import { z } from 'zod';
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
  it('400 naming the parameter, before the handler runs', async () => {
    const { startTestServer } = await import('../../testing/test-server');
    const { TestClient } = await import('../../testing/http-client');
    const server = await startTestServer();
    try {
      const admin = new TestClient(server.url);
      await admin.login();
      for (const no of ['1%20', '0x1', '01']) {
        const r = await admin.post<{ error: { code: string; message: string } }>(`/api/authorization/sessions/${no}/verify`);
        expect(r.status, no).to.equal(400);
        expect(r.body.error.code, no).to.equal('INVALID_INPUT');
        expect(r.body.error.message, no).to.contain('场次号必须是 1–99 的整数');
      }
    } finally {
      await server.stop();
    }
  });
});
