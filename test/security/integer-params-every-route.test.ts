import { expect } from 'chai';
import { z } from 'zod';
import { HttpRegistry } from '../../core/http/http-registry';
import { integerParam } from '../../core/http/integer-param';
import { OpenApiDocument } from '../../core/http/openapi';
import type { AnyRouteSpec } from '../../core/http/route';
import { TestClient } from '../../core/testing/http-client';
import { startTestServer, type TestServer } from '../../core/testing/test-server';
import { buildPackage, newCentreKey } from '../integration/registration/site-harness';
import { ProctorClient } from '../sim/proctor/proctor-client';

interface OpenApiParameter {
  readonly in: string;
  readonly name: string;
  readonly schema?: { readonly type?: string; readonly pattern?: string };
}
interface OpenApiOperation {
  readonly parameters?: readonly OpenApiParameter[];
  readonly security?: readonly Record<string, unknown>[];
}

/** The pattern integerParam documents; a lax number would show as type number/integer instead. */
const STRICT_INTEGER_PATTERN = '^(0|[1-9][0-9]{0,14})$';
const isInteger = (p: OpenApiParameter): boolean =>
  p.schema?.pattern === STRICT_INTEGER_PATTERN || p.schema?.type === 'integer' || p.schema?.type === 'number';
const LAX_SPELLINGS = ['1%20', '0x1', '01', '1.0', '%2B1', '1e0'];
const ROOM = '11003001';

describe('every route with an integer path or query parameter refuses lax spellings of it (issue 10 point 4)', function () {
  this.timeout(120_000);
  let server: TestServer;
  let admin: TestClient;
  let proctor: ProctorClient;

  before(async () => {
    const key = newCentreKey();
    server = await startTestServer({ config: { centreKeys: [key.publicKey] } });
    admin = new TestClient(server.url);
    await admin.login();
    expect((await admin.put('/api/settings', { siteCode: '11003', mode: 'mock' })).status).to.equal(200);
    const pkg = await buildPackage(key, { rooms: 2 });
    expect((await admin.post('/api/load/import', pkg.bytes, { 'content-type': 'application/zip' })).status).to.equal(200);
    const table = await admin.get<{ rooms: { roomCode: string; registrationCode: string }[] }>('/api/registration/rooms');
    const code = table.body.rooms.find((r) => r.roomCode === ROOM)!.registrationCode;
    proctor = new ProctorClient(server.url);
    await proctor.register({ roomCode: ROOM, registrationCode: code, machineId: 'pc-integer-params' });
  });
  after(() => server?.stop());

  it('over HTTP, as an authenticated admin or proctor: 400 INVALID_INPUT before the handler runs', async () => {
    const doc = (await admin.get<{ paths: Record<string, Record<string, OpenApiOperation>> }>('/api/openapi.json')).body;
    const tried: string[] = [];
    for (const [template, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const params = op.parameters ?? [];
        const proctorRoute = (op.security ?? []).some((s) => 'proctorCredential' in s);
        for (const target of params.filter(isInteger)) {
          for (const bad of LAX_SPELLINGS) {
            const value = (p: OpenApiParameter): string => (p === target ? bad : sample(p.name));
            let url = template;
            for (const p of params.filter((x) => x.in === 'path')) url = url.replace(`{${p.name}}`, value(p));
            if (target.in === 'query') url += `?${target.name}=${bad}`;
            const headers: Record<string, string> = proctorRoute ? { ...proctor.authHeader(), 'tus-resumable': '1.0.0' } : { origin: new URL(server.url).origin, authorization: `Bearer ${admin.token}` };
            const res = await fetch(server.url + url, { method: method.toUpperCase(), headers });
            const body = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
            const what = `${method.toUpperCase()} ${url}`;
            expect(res.status, what).to.equal(400);
            expect(body?.error?.code, what).to.equal('INVALID_INPUT');
            expect(body?.error?.message, what).to.match(target.in === 'path' ? /^路径参数错误：/ : /^查询参数错误：/);
            tried.push(what);
          }
        }
      }
    }
    // The admin and the proctor API both have such routes; make sure the walk saw them.
    expect(tried.some((t) => t.includes('/api/proctor/v1/'))).to.equal(true);
    expect(tried.some((t) => t.includes('/api/authorization/'))).to.equal(true);
    expect(tried.length).to.be.at.least(LAX_SPELLINGS.length * 15);
  });

  it('the registry refuses to mount a route whose integer is read by a lax parser', () => {
    const registry = new HttpRegistry(new OpenApiDocument({ title: 't', version: '0' }));
    let mounted = 0;
    const spec = (params: z.ZodType, query?: z.ZodType): AnyRouteSpec =>
      ({
        method: 'get',
        path: '/x',
        operationId: `probeInteger${++mounted}`,
        summary: 'x',
        guard: { securityScheme: null, errors: {}, authenticate: async () => null },
        params,
        query,
        response: z.object({}),
        handler: () => ({}),
      }) as unknown as AnyRouteSpec;
    expect(() => registry.mount('/api/a/:no', spec(z.object({ no: z.coerce.number().int().min(1) })))).to.throw(/整数参数 no 须用 integerParam/);
    expect(() => registry.mount('/api/b', spec(z.object({}), z.object({ session: z.coerce.number().optional() })))).to.throw(/整数参数 session/);
    expect(() => registry.mount('/api/c/:no', spec(z.object({ no: integerParam(1, 99, '场次号必须是 1–99 的整数') })))).not.to.throw();
    expect(() => registry.mount('/api/d/:roomCode', spec(z.object({ roomCode: z.string().regex(/^\d{8}$/) })))).not.to.throw();
  });
});

/** A valid value for the other parameters of a path. */
function sample(name: string): string {
  if (name === 'roomCode') return ROOM;
  if (name === 'uploadId') return `${ROOM}-1-${'0'.repeat(24)}`;
  if (name === 'fileName') return 'S1-0123456789abcdef.zip';
  return '1';
}
