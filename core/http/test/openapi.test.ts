import { expect } from 'chai';
import { fetchServedOpenApi, type ServedOpenApi as OpenApi } from '../../testing/served-openapi';
import { startTestServer, type TestServer } from '../../testing/test-server';
interface RouterLayer {
  path: string;
  methods: string[];
}

/** Routes the HTTP router really serves, read from the Koa app (every built-in plugin loaded). */
function servedRoutes(server: TestServer): { method: string; path: string }[] {
  const dispatch = server.app.middleware.find((m) => (m as { router?: unknown }).router) as unknown as { router: { stack: RouterLayer[] } };
  return dispatch.router.stack.flatMap((layer) =>
    layer.methods.filter((m) => m !== 'HEAD').map((m) => ({ method: m.toLowerCase(), path: layer.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}') })),
  );
}

// Reachable without an admin session by design (login page, the protocol document, proctor sign-up).
const PUBLIC = new Set(['post /api/auth/login', 'get /api/public/info', 'get /api/openapi.json', 'post /api/proctor/v1/register']);

describe('GET /api/openapi.json documents every route (R11.1)', function () {
  this.timeout(60000);
  let server: TestServer;
  let doc: OpenApi;

  before(async () => {
    server = await startTestServer();
    doc = (await fetchServedOpenApi(server.url)).doc;
  });
  after(async () => server.stop());

  it('every route the server answers is in the document, and nothing else', () => {
    const served = servedRoutes(server).map((r) => `${r.method} ${r.path}`).sort();
    const documented = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`))
      .sort();
    expect(served.length).to.be.greaterThan(20);
    expect(documented).to.deep.equal(served);
  });

  it('security schemes: every requirement names a declared scheme; admin routes accept the bearer token or the cookie', () => {
    const schemes = doc.components.securitySchemes;
    expect(schemes.adminSession).to.include({ type: 'http', scheme: 'bearer' });
    expect(schemes.adminCookie).to.include({ type: 'apiKey', in: 'cookie', name: 'examsite_session' });
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(ops)) {
        const names = (op.security ?? []).flatMap((req) => Object.keys(req));
        for (const n of names) expect(schemes, `${m} ${p} names ${n}`).to.have.property(n);
        if (names.length === 0) {
          expect(PUBLIC.has(`${m} ${p}`), `${m} ${p} has no security requirement`).to.equal(true);
        }
        if (names.includes('adminSession')) {
          expect(names, `${m} ${p}`).to.include('adminCookie');
          expect(op.responses, `${m} ${p}`).to.have.property('401');
        }
      }
    }
  });

  it('documents the error statuses every route can answer: 500 always, 413 and 415 with a body', () => {
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(ops)) {
        expect(op.responses, `${m} ${p}`).to.have.property('500');
        if (op.requestBody) expect(op.responses, `${m} ${p}`).to.include.keys('413', '415');
      }
    }
  });
});

