import { createHash } from 'node:crypto';
import { verifyBytes, keyIdOf } from '../../../core/crypto/signing';
import { AppError } from '../../../core/http/errors';
import { describeZodError } from '../../../core/http/route';
import { MODE_LABEL, type ExamMode } from '../../../core/settings/exam-mode';
import { StreamingZipReader, ZipRefusal } from '../../../core/zip/streaming-zip-reader';
import {
  RESULT_MANIFEST_ENTRY,
  RESULT_PACKAGE_LIMITS,
  RESULT_SIGNATURE_ENTRY,
  answerEntryName,
  resultManifestSchema,
  resultSignatureSchema,
  type ResultManifest,
} from '../api/result-package-format';

/** What the site knows about the room and session a package claims to be for. */
export interface ExpectedResult {
  readonly siteCode: string;
  readonly mode: ExamMode;
  readonly roomCode: string;
  readonly sessionNo: number;
  readonly registrationId: string;
  /** The key the proctor sent at registration; null: it sent none (old client). */
  readonly signingPublicKey: string | null;
  /** Subject codes of the session. */
  readonly subjects: ReadonlySet<string>;
  /** The room's candidates of that session → their subjects. */
  readonly candidates: ReadonlyMap<string, readonly string[]>;
}

export function resultRefused(code: string, message: string): AppError {
  return new AppError(422, code, message);
}

const TAMPERED = '结果数据包可能被篡改或损坏，请在监考机上重新导出后再上报';

/**
 * Checks a result package on disk, streaming (never whole in memory), in a fixed order:
 * zip structure and names → the proctor's signature over manifest.json with the key of
 * this room's registration → manifest schema → site / mode / room / session / registration
 * → candidates and subjects are the room's → every listed answer file present with its
 * size and SHA-256, nothing unlisted. Pure: changes nothing.
 */
export async function verifyResultPackage(file: string, expected: ExpectedResult): Promise<ResultManifest> {
  let zip: StreamingZipReader;
  try {
    zip = await StreamingZipReader.open(file, { maxEntries: RESULT_PACKAGE_LIMITS.maxEntries, maxEntryBytes: RESULT_PACKAGE_LIMITS.maxEntryBytes });
  } catch (e) {
    if (e instanceof ZipRefusal) throw resultRefused('RESULT_PACKAGE_INVALID', `结果数据包无法读取：${e.message}；${TAMPERED}`);
    throw e;
  }
  try {
    if (!zip.has(RESULT_MANIFEST_ENTRY) || !zip.has(RESULT_SIGNATURE_ENTRY)) {
      throw resultRefused('RESULT_MANIFEST_MISSING', `结果数据包缺少 ${zip.has(RESULT_MANIFEST_ENTRY) ? RESULT_SIGNATURE_ENTRY : RESULT_MANIFEST_ENTRY}，不是监考机导出的结果数据包`);
    }
    const manifestBytes = await readSmall(zip, RESULT_MANIFEST_ENTRY, RESULT_PACKAGE_LIMITS.maxManifestBytes);
    checkSignature(manifestBytes, await readSmall(zip, RESULT_SIGNATURE_ENTRY, 4096), expected);
    const manifest = parseManifest(manifestBytes);
    checkIdentity(manifest, expected);
    checkCandidates(manifest, expected);
    await checkFiles(zip, manifest);
    return manifest;
  } finally {
    zip.close();
  }
}

async function readSmall(zip: StreamingZipReader, name: string, max: number): Promise<Buffer> {
  try {
    return await zip.readSmall(name, max);
  } catch (e) {
    if (e instanceof ZipRefusal) throw resultRefused('RESULT_PACKAGE_INVALID', `结果数据包无法读取：${e.message}；${TAMPERED}`);
    throw e;
  }
}

function checkSignature(manifestBytes: Buffer, sigBytes: Buffer, expected: ExpectedResult): void {
  if (!expected.signingPublicKey) {
    throw resultRefused(
      'RESULT_SIGNER_UNKNOWN',
      `考场 ${expected.roomCode} 的监考机注册时没有登记签名公钥，无法确认结果数据包的来源；请升级监考机客户端并重新注册后再上报`,
    );
  }
  let json: unknown = null;
  try {
    json = JSON.parse(sigBytes.toString('utf8'));
  } catch {
    json = null;
  }
  const sig = resultSignatureSchema.safeParse(json);
  if (!sig.success) throw resultRefused('RESULT_SIGNATURE_INVALID', `结果数据包的签名文件 ${RESULT_SIGNATURE_ENTRY} 格式错误；${TAMPERED}`);
  if (sig.data.keyId !== keyIdOf(expected.signingPublicKey)) {
    throw resultRefused(
      'RESULT_SIGNED_BY_OTHER',
      `结果数据包不是考场 ${expected.roomCode} 当前注册的监考机签名的（签名密钥 ${sig.data.keyId}）；请在本考场已注册的监考机上导出结果数据包`,
    );
  }
  if (!verifyBytes(manifestBytes, Buffer.from(sig.data.sig, 'base64'), expected.signingPublicKey)) {
    throw resultRefused('RESULT_SIGNATURE_INVALID', `结果数据包签名校验失败，清单已被改动；${TAMPERED}`);
  }
}

function parseManifest(bytes: Buffer): ResultManifest {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw resultRefused('RESULT_MANIFEST_INVALID', `结果数据包清单 ${RESULT_MANIFEST_ENTRY} 不是有效的 JSON`);
  }
  const r = resultManifestSchema.safeParse(json);
  if (!r.success) throw resultRefused('RESULT_MANIFEST_INVALID', describeZodError(`结果数据包清单 ${RESULT_MANIFEST_ENTRY} 内容错误`, r.error));
  return r.data;
}

function checkIdentity(m: ResultManifest, e: ExpectedResult): void {
  if (m.siteCode !== e.siteCode) {
    throw resultRefused('RESULT_OTHER_SITE', `结果数据包属于考点 ${m.siteCode}，不是本考点 ${e.siteCode} 的数据，请确认监考机注册的是本考点`);
  }
  if (m.mode !== e.mode) {
    throw resultRefused('RESULT_OTHER_MODE', `结果数据包是${MODE_LABEL[m.mode]}的数据，本考点当前为${MODE_LABEL[e.mode]}，不能回收`);
  }
  if (m.roomCode !== e.roomCode) {
    throw resultRefused('RESULT_OTHER_ROOM', `结果数据包属于考场 ${m.roomCode}，不是考场 ${e.roomCode} 的数据，请选择本考场导出的结果数据包`);
  }
  if (m.sessionNo !== e.sessionNo) {
    throw resultRefused('RESULT_OTHER_SESSION', `结果数据包是第 ${m.sessionNo} 场的数据，不是第 ${e.sessionNo} 场的，请选择对应场次的结果数据包`);
  }
  if (m.registrationId !== e.registrationId) {
    throw resultRefused('RESULT_SIGNED_BY_OTHER', `结果数据包来自考场 ${m.roomCode} 的另一次注册，不是当前注册的监考机导出的；请在当前注册的监考机上重新导出`);
  }
}

function checkCandidates(m: ResultManifest, e: ExpectedResult): void {
  const seenSubjects = new Set<string>();
  for (const s of m.subjects) {
    if (!e.subjects.has(s.subjectCode)) throw resultRefused('RESULT_SUBJECT_UNKNOWN', `结果数据包中的科目 ${s.subjectCode} 不属于第 ${e.sessionNo} 场`);
    if (seenSubjects.has(s.subjectCode)) throw resultRefused('RESULT_MANIFEST_INVALID', `结果数据包清单中科目 ${s.subjectCode} 重复`);
    seenSubjects.add(s.subjectCode);
    const expectedTickets = [...e.candidates].filter(([, subjects]) => subjects.includes(s.subjectCode)).map(([t]) => t);
    const present = new Set(s.present);
    const absent = new Set(s.absent);
    for (const t of [...s.present, ...s.absent, ...s.submitted]) {
      if (!e.candidates.get(t)?.includes(s.subjectCode)) {
        throw resultRefused('RESULT_CANDIDATE_UNKNOWN', `结果数据包中的考生 ${t} 不是考场 ${e.roomCode} 第 ${e.sessionNo} 场科目 ${s.subjectCode} 的考生`);
      }
    }
    if (present.size !== s.present.length || absent.size !== s.absent.length || s.present.some((t) => absent.has(t))) {
      throw resultRefused('RESULT_MANIFEST_INVALID', `结果数据包清单中科目 ${s.subjectCode} 的考生重复出现，或同时记为参考和缺考`);
    }
    const missing = expectedTickets.filter((t) => !present.has(t) && !absent.has(t));
    if (missing.length > 0) {
      throw resultRefused('RESULT_MANIFEST_INVALID', `结果数据包清单中科目 ${s.subjectCode} 缺少考生 ${missing.slice(0, 5).join('、')} 的参考/缺考记录`);
    }
    if (s.submitted.some((t) => !present.has(t))) {
      throw resultRefused('RESULT_MANIFEST_INVALID', `结果数据包清单中科目 ${s.subjectCode} 有未参考的考生被记为已交卷`);
    }
  }
}

async function checkFiles(zip: StreamingZipReader, m: ResultManifest): Promise<void> {
  const listed = new Set<string>([RESULT_MANIFEST_ENTRY, RESULT_SIGNATURE_ENTRY]);
  const submitted = new Set(m.subjects.flatMap((s) => s.submitted.map((t) => `${t}|${s.subjectCode}`)));
  for (const f of m.files) {
    if (f.name !== answerEntryName(f.ticketNo, f.subjectCode) || listed.has(f.name)) {
      throw resultRefused('RESULT_MANIFEST_INVALID', `结果数据包清单中的文件名 ${f.name} 不符合格式或重复`);
    }
    if (!submitted.has(`${f.ticketNo}|${f.subjectCode}`)) {
      throw resultRefused('RESULT_MANIFEST_INVALID', `结果数据包中考生 ${f.ticketNo} 科目 ${f.subjectCode} 的答题文件没有对应的交卷记录`);
    }
    listed.add(f.name);
    if (!zip.has(f.name)) throw resultRefused('RESULT_FILE_MISSING', `结果数据包缺少清单中列出的文件 ${f.name}，数据包不完整；${TAMPERED}`);
    const entry = zip.entries.find((e) => e.name === f.name)!;
    if (entry.size !== f.size) throw resultRefused('RESULT_FILE_MISMATCH', `结果数据包中文件 ${f.name} 的大小与清单不符；${TAMPERED}`);
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of await zip.openStream(f.name)) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
    } catch {
      throw resultRefused('RESULT_FILE_MISMATCH', `结果数据包中文件 ${f.name} 已损坏（解压失败或长度不符）；${TAMPERED}`);
    }
    if (size !== f.size || hash.digest('hex') !== f.sha256) {
      throw resultRefused('RESULT_FILE_MISMATCH', `结果数据包中文件 ${f.name} 的 SHA-256 与清单不符；${TAMPERED}`);
    }
  }
  for (const s of m.subjects) {
    for (const t of s.submitted) {
      if (!listed.has(answerEntryName(t, s.subjectCode))) {
        throw resultRefused('RESULT_FILE_MISSING', `结果数据包中缺少已交卷考生 ${t} 科目 ${s.subjectCode} 的答题文件`);
      }
    }
  }
  for (const e of zip.entries) {
    if (!e.isDirectory && !listed.has(e.name)) {
      throw resultRefused('RESULT_FILE_UNLISTED', `结果数据包中的文件 ${e.name} 不在清单中；${TAMPERED}`);
    }
  }
}
