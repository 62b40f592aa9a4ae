import { createHash } from 'node:crypto';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/** The parts of the served OpenAPI document the contract reads. */
interface MediaObject {
  readonly schema?: unknown;
}
interface ResponseObject {
  readonly content?: Readonly<Record<string, MediaObject>>;
}
interface OperationObject {
  readonly operationId?: string;
  readonly responses?: Readonly<Record<string, ResponseObject>>;
}
export interface OpenApiDocumentShape {
  readonly paths?: Readonly<Record<string, Readonly<Record<string, OperationObject>>>>;
}

interface DocumentedOperation {
  readonly method: string;
  readonly template: string;
  readonly pattern: RegExp;
  /** Fewer path parameters first: `/rooms/locks` wins over `/rooms/{roomCode}`. */
  readonly parameterCount: number;
  readonly operation: OperationObject;
}

const DOCUMENT_ID = 'served-openapi.json';
const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/** `application/json; charset=utf-8` → `application/json`. */
function mediaTypeOf(contentType: string | null): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** JSON pointer escaping of one reference token (RFC 6901). */
function pointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function describeError(e: ErrorObject, body: unknown): string {
  const where = e.instancePath || '(应答体)';
  const actual = e.instancePath
    .split('/')
    .slice(1)
    .reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), body);
  const allowed = e.keyword === 'enum' ? `（允许：${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}）` : '';
  return `${where} ${e.message ?? e.keyword}${allowed}，实际为 ${JSON.stringify(actual)?.slice(0, 120)}`;
}

/**
 * The test suite's response contract (issue 10 point 5): every answer a test client gets
 * from a documented operation must be one the served OpenAPI document describes — its
 * status, its media type and, for JSON, its schema (error codes included, as enums).
 * `check` returns a readable description of a mismatch, or null.
 */
export class ResponseContract {
  private readonly ajv: Ajv2020;
  private readonly operations: DocumentedOperation[];
  private readonly validators = new Map<string, ValidateFunction>();

  private constructor(document: OpenApiDocumentShape) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addSchema(document as object, DOCUMENT_ID);
    this.operations = Object.entries(document.paths ?? {})
      .flatMap(([template, ops]) =>
        Object.entries(ops)
          .filter(([method]) => METHODS.has(method))
          .map(([method, operation]) => ({
            method,
            template,
            pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
            parameterCount: (template.match(/\{/g) ?? []).length,
            operation,
          })),
      )
      .sort((a, b) => a.parameterCount - b.parameterCount);
  }

  private static readonly byText = new Map<string, ResponseContract>();

  /** One contract per distinct document text: every test site serves the same one, compiled once. */
  static forDocumentText(text: string): ResponseContract {
    const key = createHash('sha256').update(text).digest('hex');
    let contract = ResponseContract.byText.get(key);
    if (!contract) {
      contract = new ResponseContract(JSON.parse(text) as OpenApiDocumentShape);
      ResponseContract.byText.set(key, contract);
    }
    return contract;
  }

  /** The documented operation a request reaches, if any. */
  private find(method: string, pathWithQuery: string): DocumentedOperation | null {
    const m = method.toLowerCase();
    const pathOnly = pathWithQuery.split('?')[0]!.split('#')[0]!;
    return this.operations.find((o) => o.method === m && o.pattern.test(pathOnly)) ?? null;
  }

  check(method: string, pathWithQuery: string, status: number, contentType: string | null, bodyText: string): string | null {
    const documented = this.find(method, pathWithQuery);
    if (!documented) return null;
    const name = `${documented.operation.operationId ?? '(无 operationId)'}（${method.toUpperCase()} ${documented.template}）`;
    const responses = documented.operation.responses ?? {};
    const response = responses[String(status)] ?? responses.default;
    if (!response) return `${name}应答了文档中没有的状态 ${status}（文档中：${Object.keys(responses).join(', ')}）：${bodyText.slice(0, 200)}`;
    const media = mediaTypeOf(contentType);
    const content = response.content ?? {};
    if (Object.keys(content).length === 0) {
      return bodyText === '' ? null : `${name}的 ${status} 应答在文档中没有内容，实际为 ${media || '(未知类型)'}：${bodyText.slice(0, 200)}`;
    }
    if (!(media in content)) return `${name}的 ${status} 应答类型为 ${media || '(未指定)'}，文档中为 ${Object.keys(content).join(', ')}`;
    if (media !== 'application/json') return null;
    let body: unknown;
    try {
      body = JSON.parse(bodyText);
    } catch {
      return `${name}的 ${status} 应答声明为 JSON，但不是有效的 JSON：${bodyText.slice(0, 200)}`;
    }
    const validate = this.validatorFor(documented, status in responses ? String(status) : 'default');
    if (validate(body)) return null;
    const problems = (validate.errors ?? []).slice(0, 5).map((e) => describeError(e, body));
    return `${name}的 ${status} 应答与文档不符：${problems.join('；')}`;
  }

  private validatorFor(op: DocumentedOperation, status: string): ValidateFunction {
    const pointer = ['paths', op.template, op.method, 'responses', status, 'content', 'application/json', 'schema'].map(pointerToken).join('/');
    let v = this.validators.get(pointer);
    if (!v) {
      v = this.ajv.compile({ $ref: `${DOCUMENT_ID}#/${pointer}` });
      this.validators.set(pointer, v);
    }
    return v;
  }
}
