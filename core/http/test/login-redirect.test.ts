import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../testing/test-server';

describe('a link opened while logged out leads to the login page, not raw JSON (issue 10 point 8)', function () {
  this.timeout(60000);
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => server.stop());

  it('a browser navigation to an admin GET gets 303 to /?next=<the link>; fetch() keeps its JSON 401', async () => {
    const link = '/api/status?x=1';
    const opened = await fetch(server.url + link, { redirect: 'manual', headers: { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', accept: 'text/html' } });
    expect(opened.status).to.equal(303);
    expect(opened.headers.get('location')).to.equal(`/?next=${encodeURIComponent(link)}`);
    expect(await opened.text()).to.contain('请先登录').and.not.contain('{');
    const fetched = await fetch(server.url + link, { headers: { 'sec-fetch-mode': 'cors' } });
    expect(fetched.status).to.equal(401);
    expect(((await fetched.json()) as { error: { code: string } }).error.code).to.equal('NOT_LOGGED_IN');
  });
});
