import { expect } from 'chai';
import { fetchServedOpenApi, type ServedOpenApi } from '../../core/testing/served-openapi';
import { TestClient } from '../../core/testing/http-client';
import { startTestServer, type TestServer } from '../../core/testing/test-server';

// The whole product's document (every built-in plugin), as third-party generators see it.
describe('the served OpenAPI document for generated clients (issue 10 point 5)', function () {
  this.timeout(60000);
  let server: TestServer;
  let text: string;
  let doc: ServedOpenApi;

  before(async () => {
    server = await startTestServer();
    ({ text, doc } = await fetchServedOpenApi(server.url));
  });
  after(async () => server.stop());

  it("lints clean with redocly's recommended rules (0 problems, warnings included)", async () => {
    const { createConfig, lintFromString } = await import('@redocly/openapi-core');
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: text, absoluteRef: `${server.url}/api/openapi.json`, config });
    const lines = problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`);
    expect(lines, lines.join('\n')).to.deep.equal([]);
  });

  it('every operation has a unique camelCase operationId; servers are given', () => {
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => (op as { operationId?: string }).operationId));
    for (const id of ids) expect(id).to.match(/^[a-z][A-Za-z0-9]*$/);
    expect(new Set(ids).size).to.equal(ids.length);
    expect(doc.servers).to.have.length.greaterThan(0);
  });

  it('error answers list their codes as an enum; request bodies are required; binary, HTML, CSV and SSE answers have their media types', () => {
    type Op = { requestBody?: { required?: boolean }; responses: Record<string, { content?: Record<string, { schema?: unknown }>; headers?: Record<string, unknown> }> };
    const op = (p: string, m: string): Op => doc.paths[p]![m] as unknown as Op;
    const codeEnum = (o: Op, status: string): string[] => {
      const schema = o.responses[status]!.content!['application/json']!.schema as { properties: { error: { properties: { code: { enum: string[] } } } } };
      return schema.properties.error.properties.code.enum;
    };
    expect(codeEnum(op('/api/proctor/v1/register', 'post'), '401')).to.deep.equal(['REGISTRATION_CODE_WRONG']);
    expect(codeEnum(op('/api/proctor/v1/register', 'post'), '400')).to.include.members(['INVALID_INPUT', 'INVALID_JSON']);
    expect(codeEnum(op('/api/status', 'get'), '401')).to.include.members(['NOT_LOGGED_IN', 'SESSION_ENDED', 'SESSION_IDLE']);
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [m, o] of Object.entries(ops) as [string, Op][]) {
        if (o.requestBody) expect(o.requestBody.required, `${m} ${p} requestBody.required`).to.equal(true);
        for (const [status, r] of Object.entries(o.responses)) {
          expect(r.headers ?? {}, `${m} ${p} ${status}`).to.have.property('X-Request-Id');
          if (Number(status) >= 400) expect(codeEnum(o, status), `${m} ${p} ${status}`).to.be.an('array').that.is.not.empty;
        }
      }
    }
    expect(op('/api/proctor/v1/sessions/{no}/content', 'get').responses['200']!.content).to.have.property('application/octet-stream');
    expect(op('/api/proctor/v1/sessions/{no}/content', 'get').responses['200']!.headers).to.have.property('X-Content-SHA256');
    expect(op('/api/registration/export/kdinfo', 'get').responses['200']!.headers).to.have.property('Content-Disposition');
    expect(op('/api/registration/export/html', 'get').responses['200']!.content).to.have.property('text/html');
    expect(op('/api/load/rooms/{roomCode}/door-sheet', 'get').responses['200']!.content).to.have.property('text/html');
    expect(op('/api/collection/reconciliation.csv', 'get').responses['200']!.content).to.have.property('text/csv');
    expect(op('/api/events', 'get').responses['200']!.content).to.have.property('text/event-stream');
    expect(op('/api/openapi.json', 'get').responses['200']!.content).to.have.property('application/json');
    expect(op('/api/auth/login', 'post').responses['200']!.headers).to.have.property('Set-Cookie');
    expect(op('/api/auth/login', 'post').responses['429']!.headers).to.have.property('Retry-After');
  });

  it('admin and proctor security schemes are told apart; instants are date-time; expiresAt stays a nullable date-time', () => {
    const schemes = doc.components.securitySchemes as Record<string, { bearerFormat?: string }>;
    expect(schemes.adminSession!.bearerFormat).to.equal('admin-session');
    expect(schemes.proctorCredential!.bearerFormat).to.equal('proctor-credential');
    type Schema = { properties: Record<string, { type?: unknown; format?: string }> };
    const register = (doc.paths['/api/proctor/v1/register']!.post as unknown as { responses: Record<string, { content: Record<string, { schema: Schema }> }> }).responses['200']!;
    const ref = (register.content['application/json']!.schema as unknown as { $ref?: string }).$ref;
    const components = (doc.components as unknown as { schemas: Record<string, Schema> }).schemas;
    const props = (ref ? components[ref.split('/').pop()!]! : register.content['application/json']!.schema).properties;
    expect(props.expiresAt).to.deep.include({ type: ['string', 'null'], format: 'date-time' });
    expect(props.registeredAt).to.deep.include({ format: 'date-time' });
  });
});

describe('the response contract of the test client (issue 10 point 5)', () => {
  it('refuses an undocumented status, an undocumented error code and a body that does not match, with a readable message', async () => {
    const { ResponseContract } = await import('../../core/testing/response-contract');
    const server = await startTestServer();
    try {
      const text = await (await fetch(`${server.url}/api/openapi.json`)).text();
      const contract = ResponseContract.forDocumentText(text);
      const json = 'application/json; charset=utf-8';
      expect(contract.check('GET', '/api/status', 200, json, JSON.stringify({ port: 'nine' }))).to.match(/getStatus（GET \/api\/status）的 200 应答与文档不符/);
      expect(contract.check('GET', '/api/status', 418, json, '{}')).to.match(/文档中没有的状态 418/);
      const unknownCode = contract.check('GET', '/api/status', 401, json, JSON.stringify({ error: { code: 'SOMETHING_ELSE', message: '请先登录' } }));
      expect(unknownCode).to.match(/\/error\/code .*允许：NOT_LOGGED_IN.*实际为 "SOMETHING_ELSE"/);
      expect(contract.check('GET', '/api/status', 401, json, JSON.stringify({ error: { code: 'NOT_LOGGED_IN', message: '请先登录' } }))).to.equal(null);
      expect(contract.check('GET', '/api/load/rooms/11003001/door-sheet', 200, 'application/json', '{}')).to.match(/应答类型为 application\/json，文档中为 text\/html/);
      // The real client fails the request itself.
      const client = new TestClient(server.url);
      await client.login();
      const answer = await client.get('/api/status');
      expect(answer.status).to.equal(200);
    } finally {
      await server.stop();
    }
  });
});
