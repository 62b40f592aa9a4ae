import { expect } from 'chai';
import { z, type ZodType } from 'zod';
import { publicGuard } from '../../auth/admin-auth';
import { OpenApiDocument } from '../openapi';
import type { AnyRouteSpec } from '../route';

interface DocumentShape {
  readonly paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
}

/** One kernel's document: the same route, its answer schema built anew (inline, as plugins do). */
function documentWith(response: () => ZodType, extra: (d: OpenApiDocument) => void = () => undefined): DocumentShape {
  const d = new OpenApiDocument({ title: '考点管理系统', version: '9.9.9-reuse' });
  const spec: AnyRouteSpec = { method: 'get', operationId: 'getReuseThing', path: '/thing', summary: '一件东西', guard: publicGuard, response: response(), handler: () => ({}) };
  d.add('/api/reuse/thing', spec);
  extra(d);
  return d.document() as DocumentShape;
}

function answerSchema(doc: DocumentShape): unknown {
  return doc.paths['/api/reuse/thing']!.get!.responses['200']!.content!['application/json']!.schema;
}

describe('the OpenAPI document is built once per set of routes (ADR 018)', () => {
  it('kernels with equal routes share one built document, even with schemas built anew', () => {
    const a = documentWith(() => z.object({ name: z.string().min(2) }));
    const b = documentWith(() => z.object({ name: z.string().min(2) }));
    expect(b).to.equal(a);
    expect(Object.isFrozen(a)).to.equal(true);
  });

  it('any difference the document shows gives its own document: type, check, enum value, description, pattern, meta id', () => {
    const base = documentWith(() => z.object({ name: z.string().min(2), kind: z.enum(['a', 'b']).describe('种类'), code: z.string().regex(/^[0-9]{5}$/) }));
    const variants: Array<[string, () => ZodType]> = [
      ['type', () => z.object({ name: z.number().min(2), kind: z.enum(['a', 'b']).describe('种类'), code: z.string().regex(/^[0-9]{5}$/) })],
      ['check', () => z.object({ name: z.string().min(3), kind: z.enum(['a', 'b']).describe('种类'), code: z.string().regex(/^[0-9]{5}$/) })],
      ['enum', () => z.object({ name: z.string().min(2), kind: z.enum(['a', 'c']).describe('种类'), code: z.string().regex(/^[0-9]{5}$/) })],
      ['description', () => z.object({ name: z.string().min(2), kind: z.enum(['a', 'b']).describe('类别'), code: z.string().regex(/^[0-9]{5}$/) })],
      ['pattern', () => z.object({ name: z.string().min(2), kind: z.enum(['a', 'b']).describe('种类'), code: z.string().regex(/^[0-9]{6}$/) })],
    ];
    for (const [what, schema] of variants) {
      const other = documentWith(schema);
      expect(other, what).to.not.equal(base);
      expect(answerSchema(other), what).to.not.deep.equal(answerSchema(base));
    }
    const named = documentWith(() => z.object({ name: z.string() }).meta({ id: 'ReuseThingA' }));
    const renamed = documentWith(() => z.object({ name: z.string() }).meta({ id: 'ReuseThingB' }));
    expect(JSON.stringify(renamed)).to.contain('ReuseThingB').and.not.contain('ReuseThingA');
    expect(JSON.stringify(named)).to.contain('ReuseThingA');
  });

  it('a route or a security scheme added later is in the next document', () => {
    const schema = () => z.object({ name: z.string() });
    const one = documentWith(schema);
    const more = documentWith(schema, (d) => {
      d.add('/api/reuse/other', { method: 'post', operationId: 'postReuseOther', path: '/other', summary: '另一件', guard: publicGuard, response: z.object({ ok: z.boolean() }), handler: () => ({ ok: true }) });
      d.registerSecurityScheme('reuseScheme', '测试方案', 'reuse');
    });
    expect(Object.keys(one.paths)).to.deep.equal(['/api/reuse/thing']);
    expect(Object.keys(more.paths)).to.deep.equal(['/api/reuse/thing', '/api/reuse/other']);
    expect(JSON.stringify(more)).to.contain('reuseScheme');
  });

  it('a lazy schema is read through its getter', () => {
    const lazy = (label: string) => z.lazy(() => z.object({ name: z.string().describe(label) }));
    const a = documentWith(() => lazy('名称'));
    expect(documentWith(() => lazy('名称'))).to.equal(a);
    expect(JSON.stringify(documentWith(() => lazy('标题')))).to.contain('标题');
  });
});
