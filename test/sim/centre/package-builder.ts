import { randomBytes } from 'node:crypto';
import AdmZip from 'adm-zip';
import { sealBytes, sha256Hex, signBytes } from '../../../core/crypto';
import {
  MANIFEST_ENTRY,
  MANIFEST_SIG_ENTRY,
  PACKAGE_FORMAT_VERSION,
  contentAad,
  contentEntryName,
  roomEntryName,
  type ManifestSignature,
  type PackageManifest,
  type PackageRoomFile,
} from '../../../plugins/load/api/package-format';
import type { BuiltPackage, CentreSigningKey, PackageBuilder, SitePackageSpec } from './sim-types';

/** Hooks for tests that need a package that is wrong in one precise way. */
export interface PackageBuildOptions {
  /** Changes the manifest before it is signed (the signature stays valid). */
  readonly editManifest?: (m: PackageManifest) => void;
  /** Changes the files after signing (e.g. a room file whose hash no longer matches). */
  readonly editFiles?: (files: Map<string, Buffer>) => void;
  /** Extra entries, listed in the signed manifest when `listed`. */
  readonly extraFiles?: readonly { name: string; bytes: Buffer; listed: boolean }[];
  /** Seat columns of every room (default 6). */
  readonly seatColumns?: number;
}

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红梅鑫波斌宇浩凯健俊帆帅旭宁龙林欣悦佳怡子涵一诺梓萱雨轩浩然思远博文嘉怡晨阳欣怡宇轩子轩雅琪梦琪诗涵可馨';
const REGIONS = ['110101', '110105', '110108', '120103', '130102', '310104', '320102', '330106', '370102', '410105', '420106', '440106', '510107'];
const CERTS = [
  ['WEB', 'Web 前端开发'],
  ['BDA', '大数据应用开发'],
  ['CLD', '云计算平台运维与开发'],
  ['NET', '网络系统建设与运维'],
  ['IOT', '物联网工程实施与运维'],
  ['SEC', '网络安全评估'],
] as const;
const LEVELS = ['初级', '中级', '高级'] as const;

/** mulberry32: small, fast, reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rnd: () => number, items: readonly T[] | string): T {
  return items[Math.floor(rnd() * items.length)] as T;
}

function chineseName(rnd: () => number): string {
  const given = rnd() < 0.55 ? pick<string>(rnd, GIVEN) + pick<string>(rnd, GIVEN) : pick<string>(rnd, GIVEN);
  return pick<string>(rnd, SURNAMES) + given;
}

function maskedIdCard(rnd: () => number): string {
  const last = Math.floor(rnd() * 11);
  return `${pick(rnd, REGIONS)}********${String(Math.floor(rnd() * 1000)).padStart(3, '0')}${last === 10 ? 'X' : last}`;
}

/**
 * Writes a site's exam data package exactly as docs/formats.md describes: rooms with
 * seeded Chinese candidate names and seats, per-session content sealed with a fresh
 * AES-256 key, and the manifest signed by the centre key.
 */
export async function buildSitePackage(spec: SitePackageSpec, key: CentreSigningKey, options: PackageBuildOptions = {}): Promise<BuiltPackage> {
  const rnd = seededRandom(spec.seed ?? 20261220);
  // Rooms of up to 300 seats in 6 columns; bigger ones in 10 (the format allows 50 × 50).
  const columns = options.seatColumns ?? (spec.candidatesPerRoom <= 300 ? 6 : 10);
  const rows = Math.max(1, Math.ceil(spec.candidatesPerRoom / columns));
  const files = new Map<string, Buffer>();

  const sessions = spec.sessions.map((s, i) => {
    const [code, name] = CERTS[i % CERTS.length]!;
    const level = LEVELS[i % LEVELS.length]!;
    return {
      no: s.no,
      name: s.name,
      startsAt: s.startsAt,
      durationMinutes: s.durationMinutes,
      subjects: [
        { code: `${code}${i + 1}-T`, name: `${name}（${level}）理论知识` },
        { code: `${code}${i + 1}-P`, name: `${name}（${level}）实操技能` },
      ],
    };
  });

  const roomCodes: string[] = [];
  const manifestRooms: PackageManifest['rooms'] = [];
  for (let r = 1; r <= spec.rooms; r++) {
    const roomCode = `${spec.siteCode}${String(r).padStart(3, '0')}`;
    roomCodes.push(roomCode);
    manifestRooms.push({ roomCode, name: `第${r}考场`, address: `实训楼 ${Math.ceil(r / 10)} 层 ${String(100 * Math.ceil(r / 10) + (r % 10 || 10))} 室` });
    const room: PackageRoomFile = {
      roomCode,
      seats: { rows, columns },
      sessions: sessions.map((s) => ({
        no: s.no,
        candidates: Array.from({ length: spec.candidatesPerRoom }, (_, k) => {
          const both = rnd() < 0.7;
          const first = s.subjects[0]!.code;
          return {
            ticketNo: `${spec.siteCode}${String(r).padStart(3, '0')}${String(s.no).padStart(2, '0')}${String(k + 1).padStart(3, '0')}`,
            name: chineseName(rnd),
            gender: rnd() < 0.5 ? ('男' as const) : ('女' as const),
            idCardMasked: maskedIdCard(rnd),
            seatNo: k + 1,
            subjectCodes: both ? s.subjects.map((x) => x.code) : [first],
          };
        }),
      })),
    };
    files.set(roomEntryName(roomCode), Buffer.from(JSON.stringify(room), 'utf8'));
  }

  const sessionKeys: Record<number, string> = {};
  for (const s of sessions) {
    const key32 = randomBytes(32);
    sessionKeys[s.no] = key32.toString('base64');
    const paper = {
      sessionNo: s.no,
      subjects: s.subjects.map((sub) => ({
        code: sub.code,
        name: sub.name,
        questions: Array.from({ length: 20 }, (_, q) => ({
          no: q + 1,
          type: q < 15 ? 'single-choice' : 'practical',
          stem: `${sub.name} 第 ${q + 1} 题`,
          options: q < 15 ? ['A', 'B', 'C', 'D'] : undefined,
        })),
      })),
    };
    files.set(contentEntryName(s.no), sealBytes(key32, Buffer.from(JSON.stringify(paper), 'utf8'), contentAad(spec.siteCode, spec.mode, s.no)));
  }
  for (const extra of options.extraFiles ?? []) if (extra.listed) files.set(extra.name, extra.bytes);

  const manifest: PackageManifest = {
    formatVersion: PACKAGE_FORMAT_VERSION,
    siteCode: spec.siteCode,
    mode: spec.mode,
    releaseTime: spec.releaseTime,
    rooms: manifestRooms,
    sessions,
    files: [...files.entries()].map(([name, bytes]) => ({ name, size: bytes.length, sha256: sha256Hex(bytes) })),
    ...(spec.resultEncryptionKey ? { resultEncryptionKey: spec.resultEncryptionKey } : {}),
  };
  options.editManifest?.(manifest);
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 1), 'utf8');
  const signature: ManifestSignature = { v: 1, alg: 'Ed25519', keyId: key.keyId, sig: signBytes(manifestBytes, key.privateKeyPem).toString('base64') };

  for (const extra of options.extraFiles ?? []) if (!extra.listed) files.set(extra.name, extra.bytes);
  options.editFiles?.(files);

  const zip = new AdmZip();
  zip.addFile(MANIFEST_ENTRY, manifestBytes);
  zip.addFile(MANIFEST_SIG_ENTRY, Buffer.from(JSON.stringify(signature), 'utf8'));
  for (const [name, bytes] of files) zip.addFile(name, bytes);
  return {
    bytes: zip.toBuffer(),
    siteCode: spec.siteCode,
    mode: spec.mode,
    releaseTime: spec.releaseTime,
    manifestSha256: sha256Hex(manifestBytes),
    sessionKeys,
    sessions: spec.sessions,
    roomCodes,
  };
}

/** The builder the simulator uses (test/sim/centre/sim-types.ts). */
export const packageBuilder: PackageBuilder = buildSitePackage;

/** Sessions of a typical exam day: 09:00, 13:30, 16:00, then the next days. */
export function defaultSessions(count: number, firstDay = '2026-12-20'): SitePackageSpec['sessions'] {
  const slots = ['09:00', '13:30', '16:00'];
  const day0 = Date.parse(`${firstDay}T00:00:00+08:00`);
  return Array.from({ length: count }, (_, i) => {
    const day = new Date(day0 + Math.floor(i / slots.length) * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
    return { no: i + 1, name: `第${i + 1}场`, startsAt: `${day}T${slots[i % slots.length]}:00+08:00`, durationMinutes: 90 };
  });
}
