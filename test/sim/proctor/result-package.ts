import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { ZipArchive } from 'archiver';
import { keyIdOf, signBytes, signingPublicKeyOf } from '../../../core/crypto/signing';
import { sealBytes } from '../../../core/crypto/seal';
import { wrapKeyForRecipient } from '../../../core/crypto/wrap';
import {
  RESULT_FORMAT_VERSION,
  RESULT_MANIFEST_ENTRY,
  RESULT_SIGNATURE_ENTRY,
  answerAad,
  answerEntryName,
  packageKeyAad,
  type ResultManifest,
} from '../../../plugins/collection/api/result-package-format';
import type { RoomResponse } from './protocol-types';

export interface ResultSubjectRecord {
  readonly subjectCode: string;
  readonly present: readonly string[];
  readonly absent: readonly string[];
  readonly submitted: readonly string[];
}

export interface ResultPackageSpec {
  readonly siteCode: string;
  readonly mode: 'formal' | 'mock';
  readonly roomCode: string;
  readonly sessionNo: number;
  readonly registrationId: string;
  /** The proctor PC's Ed25519 key (its public half was sent at registration). */
  readonly signingPrivateKeyPem: string;
  /** The centre's X25519 result-encryption key (GET /room → resultEncryptionKey). */
  readonly centreResultKey: string;
  readonly subjects: readonly ResultSubjectRecord[];
  /** Plain answer bytes of one candidate and subject (random bytes of `answerBytes` by default). */
  readonly answer?: (ticketNo: string, subjectCode: string) => Buffer;
  readonly answerBytes?: number;
  /** Changes the manifest before it is signed (tests of refusals). */
  readonly editManifest?: (m: ResultManifest) => void;
}

export interface WrittenResultPackage {
  readonly file: string;
  readonly size: number;
  readonly sha256: string;
  readonly manifest: ResultManifest;
}

/**
 * Writes a result package v1 (docs/formats.md 结果数据包) as the proctor client does: each
 * answer sealed with a fresh package key, the key wrapped for the centre, the manifest
 * signed with the PC's key; streamed to disk with archiver (warnings count as errors,
 * done only when the output file is closed).
 */
export async function writeResultPackage(spec: ResultPackageSpec, outFile: string): Promise<WrittenResultPackage> {
  const packageKey = randomBytes(32);
  const ids = { siteCode: spec.siteCode, mode: spec.mode, roomCode: spec.roomCode, sessionNo: spec.sessionNo };
  const answers: { name: string; ticketNo: string; subjectCode: string; sealed: Buffer }[] = [];
  for (const s of spec.subjects) {
    for (const t of s.submitted) {
      const plain = spec.answer?.(t, s.subjectCode) ?? randomBytes(spec.answerBytes ?? 1024);
      answers.push({ name: answerEntryName(t, s.subjectCode), ticketNo: t, subjectCode: s.subjectCode, sealed: sealBytes(packageKey, plain, answerAad(ids, t, s.subjectCode)) });
    }
  }
  const manifest: ResultManifest = {
    formatVersion: RESULT_FORMAT_VERSION,
    kind: 'examsite.result-package',
    ...ids,
    registrationId: spec.registrationId,
    createdAt: new Date().toISOString(),
    subjects: spec.subjects.map((s) => ({ subjectCode: s.subjectCode, present: [...s.present], absent: [...s.absent], submitted: [...s.submitted] })),
    files: answers.map((a) => ({ name: a.name, ticketNo: a.ticketNo, subjectCode: a.subjectCode, size: a.sealed.length, sha256: createHash('sha256').update(a.sealed).digest('hex') })),
    sealing: {
      alg: 'X25519-HKDF-SHA256+AES-256-GCM',
      recipientKeyId: keyIdOf(spec.centreResultKey),
      wrappedKey: wrapKeyForRecipient(packageKey, spec.centreResultKey, packageKeyAad(ids)),
    },
  };
  spec.editManifest?.(manifest);
  const manifestBytes = Buffer.from(JSON.stringify(manifest), 'utf8');
  const signature = { v: 1, alg: 'Ed25519', keyId: keyIdOf(signingPublicKeyOf(spec.signingPrivateKeyPem)), sig: signBytes(manifestBytes, spec.signingPrivateKeyPem).toString('base64') };

  await fsp.mkdir(path.dirname(path.resolve(outFile)), { recursive: true });
  const output = createWriteStream(outFile);
  const closed = new Promise<void>((resolve, reject) => {
    output.once('close', () => resolve());
    output.once('error', reject);
  });
  // Sealed answers do not compress: store them.
  const zip = new ZipArchive({ store: true });
  const failed = new Promise<never>((_, reject) => {
    zip.on('warning', reject);
    zip.on('error', reject);
  });
  zip.pipe(output);
  zip.append(manifestBytes, { name: RESULT_MANIFEST_ENTRY });
  zip.append(Buffer.from(JSON.stringify(signature), 'utf8'), { name: RESULT_SIGNATURE_ENTRY });
  for (const a of answers) zip.append(a.sealed, { name: a.name });
  await Promise.race([zip.finalize().then(() => closed), failed]);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(outFile)) hash.update(chunk as Buffer);
  return { file: outFile, size: (await fsp.stat(outFile)).size, sha256: hash.digest('hex'), manifest };
}

/**
 * The subjects record of a room's session as the proctor saw it: `absent` candidates did
 * not sit, everyone else sat and submitted every subject.
 */
export function subjectsOfSession(room: RoomResponse, sessionNo: number, absent: ReadonlySet<string> = new Set()): ResultSubjectRecord[] {
  const session = room.sessions.find((s) => s.no === sessionNo);
  if (!session) throw new Error(`考场 ${room.roomCode} 没有第 ${sessionNo} 场`);
  return session.subjects.map((subject) => {
    const tickets = room.candidates.filter((c) => c.sessionNo === sessionNo && c.subjectCodes.includes(subject.code)).map((c) => c.ticketNo);
    const present = tickets.filter((t) => !absent.has(t));
    return { subjectCode: subject.code, present, absent: tickets.filter((t) => absent.has(t)), submitted: present };
  });
}

/** Answer size per file so that the package is about `targetBytes` (benches, size tests). */
export function answerBytesFor(targetBytes: number, subjects: readonly ResultSubjectRecord[]): number {
  const files = subjects.reduce((n, s) => n + s.submitted.length, 0);
  return files === 0 ? 0 : Math.max(1, Math.floor(targetBytes / files));
}
