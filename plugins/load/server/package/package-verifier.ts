import { sha256Hex, verifyDetached, isTrustError, parseTrustedKeys } from '../../../../core/crypto';
import { describeZodError } from '../../../../core/http/route';
import { MODE_LABEL, type ExamMode } from '../../../../core/settings/site-settings';
import type { PackageContentHandler, PackageEntry } from '../../api';
import {
  MANIFEST_ENTRY,
  MANIFEST_SIG_ENTRY,
  contentEntryName,
  manifestSignatureSchema,
  packageManifestSchema,
  roomEntryName,
  roomFileSchema,
  type PackageLimits,
  type PackageManifest,
  type PackageRoomFile,
} from '../../api/package-format';
import { packageRefused } from './package-refusal';
import type { StreamingZipEntry, StreamingZipReader } from '../../../../core/zip/streaming-zip-reader';
import { openPackageZip, readPackageEntry } from './package-zip';
import { verifyStructureInWorker } from './package-verify-thread';
import { formatChinaTime } from '../../../../core/time/china-time';

/** What the structural checks need: plain data, so they can run in a worker thread. */
export interface StructureContext {
  readonly trustedKeys: readonly string[];
  readonly siteCode: string | null;
  readonly mode: ExamMode;
  /** Release time of the stored package, null when nothing is loaded. */
  readonly currentReleaseTime: string | null;
  readonly limits: PackageLimits;
}

export interface VerifyContext extends StructureContext {
  readonly handlers: readonly PackageContentHandler[];
}

export interface VerifiedContent {
  readonly sessionNo: number;
  readonly bytes: Buffer;
  readonly sha256: string;
}

export interface ClaimedEntry {
  readonly handler: PackageContentHandler;
  readonly entry: PackageEntry;
}

/** Everything but the content handlers' verdicts: what the worker thread answers. */
export interface VerifiedStructure {
  readonly manifest: PackageManifest;
  readonly manifestSha256: string;
  /** In manifest order. */
  readonly rooms: readonly PackageRoomFile[];
  readonly contents: readonly VerifiedContent[];
  /** Every file entry of the zip, in zip order (the content handlers pick theirs from it). */
  readonly entryNames: readonly string[];
}

export interface VerifiedPackage {
  readonly manifest: PackageManifest;
  readonly manifestSha256: string;
  /** In manifest order. */
  readonly rooms: readonly PackageRoomFile[];
  readonly contents: readonly VerifiedContent[];
  readonly claimed: readonly ClaimedEntry[];
}

const MANIFEST_MAX_BYTES = 4 * 1024 * 1024;
const SIG_MAX_BYTES = 4 * 1024;

/**
 * Verifies a package in a fixed order, each step refusing with its own message:
 * zip structure, names and caps → centre signature over the manifest bytes → manifest
 * schema → every listed file present with the right size and SHA-256, nothing unlisted →
 * site code → mode → newer release → room files (all of these in a worker thread, ADR 016)
 * → content handlers (on the caller's thread: they are other plugins' functions). Pure:
 * stores nothing.
 */
export async function verifyPackage(file: string, ctx: VerifyContext): Promise<VerifiedPackage> {
  const { handlers, ...structureContext } = ctx;
  const structure = await verifyStructureInWorker(file, structureContext);
  const claimed = await runHandlers(file, structure, handlers, ctx.limits);
  const { entryNames: _names, ...verified } = structure;
  return { ...verified, claimed };
}

/** The structural checks on the calling thread (the worker's body; tests and tools may call it directly). */
export async function verifyPackageStructure(file: string, ctx: StructureContext): Promise<VerifiedStructure> {
  const zip = await openPackageZip(file, ctx.limits);
  try {
    return await verifyOpened({ zip, limits: ctx.limits }, ctx);
  } finally {
    zip.close();
  }
}

/** The open package and how its entries are read. */
interface PackageReading {
  readonly zip: StreamingZipReader;
  readonly limits: PackageLimits;
}

function read(p: PackageReading, entry: StreamingZipEntry): Promise<Buffer> {
  return readPackageEntry(p.zip, entry.name, p.limits);
}

async function verifyOpened(p: PackageReading, ctx: StructureContext): Promise<VerifiedStructure> {
  const byName = new Map<string, StreamingZipEntry>();
  for (const e of p.zip.entries) if (!e.isDirectory) byName.set(e.name, e);

  const manifestEntry = byName.get(MANIFEST_ENTRY);
  const sigEntry = byName.get(MANIFEST_SIG_ENTRY);
  if (!manifestEntry || !sigEntry) {
    throw packageRefused('PACKAGE_MANIFEST_MISSING', `数据包缺少 ${!manifestEntry ? MANIFEST_ENTRY : MANIFEST_SIG_ENTRY}，不是有效的考场数据包，请使用监控平台下发的原始数据包`);
  }
  if (manifestEntry.size > MANIFEST_MAX_BYTES || sigEntry.size > SIG_MAX_BYTES) {
    throw packageRefused('PACKAGE_MANIFEST_INVALID', '数据包清单或签名文件过大，不是有效的考场数据包');
  }
  const manifestBytes = await read(p, manifestEntry);
  checkSignature(manifestBytes, await read(p, sigEntry), ctx.trustedKeys);

  const manifest = parseManifest(manifestBytes);
  const contents = await checkFiles(p, byName, manifest);

  if (ctx.siteCode === null) throw packageRefused('SITE_CODE_NOT_SET', '请先在参数设置中填写考点代码');
  if (manifest.siteCode !== ctx.siteCode) {
    throw packageRefused('PACKAGE_SITE_MISMATCH', `数据包考点代码 ${manifest.siteCode} 与本考点 ${ctx.siteCode} 不一致，请确认下载的是本考点的数据包`);
  }
  if (manifest.mode !== ctx.mode) {
    throw packageRefused(
      'PACKAGE_MODE_MISMATCH',
      `数据包是${MODE_LABEL[manifest.mode]}数据，本考点当前为${MODE_LABEL[ctx.mode]}模式，请在参数设置中核对考试模式或获取对应的数据包`,
    );
  }
  if (ctx.currentReleaseTime !== null && Date.parse(manifest.releaseTime) <= Date.parse(ctx.currentReleaseTime)) {
    const same = Date.parse(manifest.releaseTime) === Date.parse(ctx.currentReleaseTime);
    throw packageRefused(
      'PACKAGE_NOT_NEWER',
      same
        ? `该数据包（发布时间 ${formatChinaTime(manifest.releaseTime)}）已经载入，无需重复导入`
        : `该数据包的发布时间 ${formatChinaTime(manifest.releaseTime)} 早于已载入数据的发布时间 ${formatChinaTime(ctx.currentReleaseTime)}，不能用旧数据覆盖新数据`,
    );
  }

  const rooms = await parseRooms(p, byName, manifest);
  return { manifest, manifestSha256: sha256Hex(manifestBytes), rooms, contents, entryNames: [...byName.keys()] };
}

function checkSignature(manifestBytes: Buffer, sigBytes: Buffer, trustedKeys: readonly string[]): void {
  let keys: string[];
  try {
    keys = parseTrustedKeys(trustedKeys.join(','));
  } catch (e) {
    if (isTrustError(e)) throw packageRefused('CENTRE_KEY_NOT_CONFIGURED', e.message);
    throw e;
  }
  let sigJson: unknown;
  try {
    sigJson = JSON.parse(sigBytes.toString('utf8'));
  } catch {
    sigJson = null;
  }
  const sig = manifestSignatureSchema.safeParse(sigJson);
  if (!sig.success) throw packageRefused('PACKAGE_SIGNATURE_INVALID', '数据包签名文件 manifest.sig 格式错误，数据包可能被篡改，请从监控平台重新获取');
  try {
    verifyDetached(manifestBytes, sig.data.sig, sig.data.keyId, keys);
  } catch (e) {
    if (isTrustError(e)) throw packageRefused(e.code === 'KEY_UNKNOWN' ? 'PACKAGE_KEY_UNKNOWN' : 'PACKAGE_SIGNATURE_INVALID', `数据包${e.message}`);
    throw e;
  }
}

function parseManifest(bytes: Buffer): PackageManifest {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw packageRefused('PACKAGE_MANIFEST_INVALID', '数据包清单 manifest.json 不是有效的 JSON');
  }
  const r = packageManifestSchema.safeParse(json);
  if (!r.success) throw packageRefused('PACKAGE_MANIFEST_INVALID', describeZodError('数据包清单 manifest.json 内容错误', r.error));
  const m = r.data;
  const roomCodes = new Set<string>();
  for (const room of m.rooms) {
    if (!room.roomCode.startsWith(m.siteCode)) {
      throw packageRefused('PACKAGE_MANIFEST_INVALID', `数据包清单中考场代码 ${room.roomCode} 不属于考点 ${m.siteCode}`);
    }
    if (roomCodes.has(room.roomCode)) throw packageRefused('PACKAGE_MANIFEST_INVALID', `数据包清单中考场代码 ${room.roomCode} 重复`);
    roomCodes.add(room.roomCode);
  }
  const sessionNos = new Set<number>();
  for (const s of m.sessions) {
    if (sessionNos.has(s.no)) throw packageRefused('PACKAGE_MANIFEST_INVALID', `数据包清单中场次 ${s.no} 重复`);
    sessionNos.add(s.no);
  }
  const fileNames = new Set<string>();
  for (const f of m.files) {
    if (fileNames.has(f.name)) throw packageRefused('PACKAGE_MANIFEST_INVALID', `数据包清单中文件 ${f.name} 重复列出`);
    fileNames.add(f.name);
  }
  for (const room of m.rooms) {
    if (!fileNames.has(roomEntryName(room.roomCode))) {
      throw packageRefused('PACKAGE_MANIFEST_INVALID', `数据包清单没有列出考场 ${room.roomCode} 的文件 ${roomEntryName(room.roomCode)}`);
    }
  }
  for (const s of m.sessions) {
    if (!fileNames.has(contentEntryName(s.no))) {
      throw packageRefused('PACKAGE_MANIFEST_INVALID', `数据包清单没有列出场次 ${s.no} 的试题文件 ${contentEntryName(s.no)}`);
    }
  }
  // And the other way round: a room or session file nobody lists would be loaded silently
  // (or silently dropped); the centre never writes one (issue 15 point 3, found by fuzzing).
  const roomFiles = new Set(m.rooms.map((r) => roomEntryName(r.roomCode)));
  const sessionFiles = new Set(m.sessions.map((s) => contentEntryName(s.no)));
  for (const name of fileNames) {
    if (/^rooms\//.test(name) && !roomFiles.has(name)) {
      throw packageRefused('PACKAGE_MANIFEST_INVALID', `数据包清单列出了考场文件 ${name}，但考场列表中没有该考场`);
    }
    if (/^content\//.test(name) && !sessionFiles.has(name)) {
      throw packageRefused('PACKAGE_MANIFEST_INVALID', `数据包清单列出了试题文件 ${name}，但场次列表中没有该场次`);
    }
  }
  return m;
}

/** Every listed file present with its size and SHA-256; nothing unlisted. */
async function checkFiles(p: PackageReading, byName: Map<string, StreamingZipEntry>, manifest: PackageManifest): Promise<VerifiedContent[]> {
  const listed = new Set<string>([MANIFEST_ENTRY, MANIFEST_SIG_ENTRY]);
  const contentBySession = new Map(manifest.sessions.map((s) => [contentEntryName(s.no), s.no]));
  const contents: VerifiedContent[] = [];
  for (const f of manifest.files) {
    listed.add(f.name);
    const entry = byName.get(f.name);
    if (!entry) throw packageRefused('PACKAGE_FILE_MISSING', `数据包缺少清单中列出的文件 ${f.name}，数据包不完整，请重新获取`);
    if (entry.size !== f.size) {
      throw packageRefused('PACKAGE_FILE_MISMATCH', `数据包中文件 ${f.name} 的大小与清单不符，数据包已被篡改或损坏，请重新获取`);
    }
    const data = await read(p, entry);
    const digest = sha256Hex(data);
    if (digest !== f.sha256) {
      throw packageRefused('PACKAGE_FILE_MISMATCH', `数据包中文件 ${f.name} 的 SHA-256 与清单不符，数据包已被篡改或损坏，请重新获取`);
    }
    const sessionNo = contentBySession.get(f.name);
    if (sessionNo !== undefined) contents.push({ sessionNo, bytes: data, sha256: digest });
  }
  // Every file, vendor files included, must be covered by the signed manifest (R2.5):
  // an unlisted file is one anybody could have added to a genuine package.
  for (const name of byName.keys()) {
    if (listed.has(name)) continue;
    throw packageRefused('PACKAGE_FILE_UNLISTED', `数据包中的文件 ${name} 不在清单中，数据包可能被篡改，请使用监控平台下发的原始数据包`);
  }
  return contents;
}

async function parseRooms(p: PackageReading, byName: Map<string, StreamingZipEntry>, manifest: PackageManifest): Promise<PackageRoomFile[]> {
  const sessions = new Map(manifest.sessions.map((s) => [s.no, new Set(s.subjects.map((x) => x.code))]));
  const files: PackageRoomFile[] = [];
  for (const room of manifest.rooms) {
    const name = roomEntryName(room.roomCode);
    const bytes = await read(p, byName.get(name)!);
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      if (e instanceof SyntaxError) throw packageRefused('PACKAGE_ROOM_INVALID', `考场文件 ${name} 不是有效的 JSON`);
      throw e;
    }
    const r = roomFileSchema.safeParse(json);
    if (!r.success) throw packageRefused('PACKAGE_ROOM_INVALID', describeZodError(`考场文件 ${name} 内容错误`, r.error));
    const file = r.data;
    const bad = (why: string): Error => packageRefused('PACKAGE_ROOM_INVALID', `考场文件 ${name} 内容错误：${why}`);
    if (file.roomCode !== room.roomCode) throw bad(`考场代码 ${file.roomCode} 与文件名不一致`);
    const seatCount = file.seats.rows * file.seats.columns;
    const seenSessions = new Set<number>();
    for (const s of file.sessions) {
      const subjects = sessions.get(s.no);
      if (!subjects) throw bad(`场次 ${s.no} 不在清单中`);
      if (seenSessions.has(s.no)) throw bad(`场次 ${s.no} 重复`);
      seenSessions.add(s.no);
      const seats = new Set<number>();
      const tickets = new Set<string>();
      for (const c of s.candidates) {
        if (c.seatNo > seatCount) throw bad(`场次 ${s.no} 座位号 ${c.seatNo} 超出考场座位数 ${seatCount}`);
        if (seats.has(c.seatNo)) throw bad(`场次 ${s.no} 座位号 ${c.seatNo} 重复`);
        if (tickets.has(c.ticketNo)) throw bad(`场次 ${s.no} 准考证号 ${c.ticketNo} 重复`);
        seats.add(c.seatNo);
        tickets.add(c.ticketNo);
        for (const code of c.subjectCodes) if (!subjects.has(code)) throw bad(`考生 ${c.ticketNo} 的科目 ${code} 不属于场次 ${s.no}`);
      }
    }
    files.push(file);
  }
  return files;
}

/**
 * The content handlers (other plugins' functions, so on this thread) over the entries they
 * claim: the verified content bytes the worker returned, anything else read from the zip here
 * (vendor entries are small; their size and SHA-256 were already checked against the manifest).
 */
async function runHandlers(file: string, structure: VerifiedStructure, handlers: readonly PackageContentHandler[], limits: PackageLimits): Promise<ClaimedEntry[]> {
  const { manifest } = structure;
  const context = { siteCode: manifest.siteCode, mode: manifest.mode, releaseTime: manifest.releaseTime };
  const contentByName = new Map(structure.contents.map((c) => [contentEntryName(c.sessionNo), c.bytes]));
  const claims: { handler: PackageContentHandler; name: string }[] = [];
  for (const name of structure.entryNames) {
    const handler = handlers.find((h) => h.matches(name));
    if (!handler || name === MANIFEST_ENTRY || name === MANIFEST_SIG_ENTRY) continue;
    claims.push({ handler, name });
  }
  if (claims.length === 0) return [];
  const zip = claims.some((c) => !contentByName.has(c.name)) ? await openPackageZip(file, limits) : null;
  try {
    const claimed: ClaimedEntry[] = [];
    for (const { handler, name } of claims) {
      const entry: PackageEntry = { name, bytes: contentByName.get(name) ?? (await readPackageEntry(zip!, name, limits)) };
      try {
        await handler.validate(entry, context);
      } catch (e) {
        const why = e instanceof Error && e.message ? e.message : '内容无效';
        throw packageRefused('PACKAGE_CONTENT_REFUSED', `数据包中的文件 ${name} 未通过 ${handler.id} 的检查：${why}`);
      }
      claimed.push({ handler, entry });
    }
    return claimed;
  } finally {
    zip?.close();
  }
}
