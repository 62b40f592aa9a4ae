import { openSignedJson } from '../../../core/crypto/signing';
import { TrustError } from '../../../core/crypto/trust-error';
import { describeZodError } from '../../../core/http/route';
import type { z } from 'zod';

export interface SignedFileKind<S extends z.ZodType> {
  /** 考试授权文件 / 授权验证文件: how the user knows this file. */
  readonly label: string;
  readonly kind: string;
  readonly maxBytes: number;
  readonly schema: S;
  /** Error code prefix, e.g. AUTHORIZATION → AUTHORIZATION_INVALID. */
  readonly codePrefix: string;
  /** When set, a payload `v` other than this is refused as an unsupported format version. */
  readonly formatVersion?: number;
}

/**
 * Reads a signed centre file: size, JSON, signature against the pinned keys, `kind`, then
 * the payload's shape. Every refusal is a TrustError with a Chinese message naming the file.
 */
export function readSignedFile<S extends z.ZodType>(bytes: Buffer, trustedKeys: readonly string[], spec: SignedFileKind<S>): { payload: z.output<S>; envelopeText: string } {
  const invalid = (detail: string): TrustError =>
    new TrustError(`${spec.codePrefix}_INVALID`, `所选文件不是有效的${spec.label}（${detail}）；请选择监控平台签发的原始文件`);
  if (bytes.length === 0) throw invalid('文件为空');
  if (bytes.length > spec.maxBytes) throw invalid(`文件大小 ${bytes.length} 字节，超过上限 ${spec.maxBytes} 字节`);
  let envelope: unknown;
  const text = bytes.toString('utf8');
  try {
    envelope = JSON.parse(text);
  } catch {
    throw invalid('无法解析');
  }
  let opened: Record<string, unknown>;
  try {
    opened = openSignedJson(envelope, trustedKeys);
  } catch (e) {
    if (e instanceof TrustError) throw new TrustError(e.code, `${spec.label}校验失败：${e.message}`, { cause: e });
    throw e;
  }
  if (opened.kind !== spec.kind) throw invalid(`文件类型为 ${JSON.stringify(opened.kind ?? null)}，应为 ${spec.kind}`);
  if (spec.formatVersion !== undefined && opened.v !== spec.formatVersion) {
    throw new TrustError(
      `${spec.codePrefix}_FORMAT_UNSUPPORTED`,
      `所选${spec.label}的格式版本为 ${JSON.stringify(opened.v ?? null)}，本系统只接受版本 ${spec.formatVersion}（旧格式未注明所属的考试数据）；请从监控平台重新获取${spec.label}`,
    );
  }
  const parsed = spec.schema.safeParse(opened);
  if (!parsed.success) throw invalid(describeZodError('内容格式错误', parsed.error));
  return { payload: parsed.data, envelopeText: JSON.stringify(envelope) };
}
