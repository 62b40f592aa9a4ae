import { createHash, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client as FtpClient } from 'basic-ftp';
import { formatChinaTime } from '../../core/time/china-time';
import { TestClient } from '../../core/testing/http-client';
import { waitFor } from '../../core/testing/wait-for';
import { ProductProcess } from '../../test/integration/product-process';
import { ptqAuthorizationIssuer } from '../../test/sim/centre/authorization-issuer';
import { openResultPackage } from '../../test/sim/centre/result-opener';
import { startCentreSimulator, type RunningCentreSimulator } from '../../test/sim/centre/centre-simulator';
import { ProctorClient } from '../../test/sim/proctor/proctor-client';
import { subjectsOfSession, writeResultPackage, type WrittenResultPackage } from '../../test/sim/proctor/result-package';
import { uploadResultOverHttp } from '../../test/sim/proctor/result-upload';
import { prepareRooms, simulateRooms, type SimulatedRoom } from '../../test/sim/proctor/room-simulation';
import { fetchDecryptedContent } from '../../test/sim/proctor/session-key';
import { sendHeartbeat } from '../../test/sim/proctor/monitor-calls';
import type { CollectionTable, Reconciliation } from '../../plugins/collection/api/contract';
import type { MonitorOverview } from '../../plugins/monitor/api/contract';
import { DemoSteps, type DemoSummary } from './demo-steps';

export interface DemoOptions {
  readonly rooms: number;
  /** Bytes of plain answers per candidate and subject. */
  readonly answerBytes: number;
  /** Leave the site running (the UI open for a person) instead of stopping at the end. */
  readonly keep: boolean;
  /** Work folder (default: a new temp folder). */
  readonly workDir: string;
  readonly print: (line: string) => void;
  /**
   * Called after each step with the address of the site that is running then (the browser
   * walk of issue 14 point 2 looks at the panels there); a failure stops the demo.
   */
  readonly afterStep?: (title: string, siteUrl: string | null) => Promise<void>;
}

const SITE = '11003';
const MODE = 'mock' as const;
const MINUTE = 60_000;

interface Answer<T> {
  readonly status: number;
  readonly body: T;
}

/** A 2xx answer's body, or a failure naming the step's request and the site's Chinese message. */
function ok<T>(what: string, r: Answer<T>): T {
  if (r.status >= 200 && r.status < 300) return r.body;
  const message = (r.body as { error?: { message?: string } } | null)?.error?.message ?? JSON.stringify(r.body);
  throw new Error(`${what}失败（HTTP ${r.status}）：${message}`);
}

/**
 * The whole exam day of the manual, through the real product process and its real HTTP and
 * FTP protocols: centre simulator, site, N simulated proctor PCs (issue 14 point 1).
 */
export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  const steps = new DemoSteps(o.print);
  let currentUrl: string | null = null;
  const step = async <T = undefined>(title: string, work: () => Promise<{ value?: T; detail?: string }>): Promise<T> => {
    const value = await steps.run(title, work);
    await o.afterStep?.(title, currentUrl);
    return value;
  };
  const dirs = { centre: path.join(o.workDir, 'centre'), site: path.join(o.workDir, 'site'), site2: path.join(o.workDir, 'site-restored'), proctors: path.join(o.workDir, 'proctors'), usb: path.join(o.workDir, 'usb'), backups: path.join(o.workDir, 'backups') };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  let sim: RunningCentreSimulator | null = null;
  let site: ProductProcess | null = null;
  let restored: ProductProcess | null = null;
  try {
    sim = await step('启动监控平台模拟器', async () => {
      const s = await startCentreSimulator({ dataDir: dirs.centre, port: 0, authorizationIssuer: ptqAuthorizationIssuer, log: () => undefined });
      return { value: s, detail: s.url };
    });
    const centre = sim;
    site = await step('启动考点管理系统（独立数据目录与端口）', async () => {
      const p = await ProductProcess.start({ dataDir: dirs.site, centreKeys: [centre.keys], centreUrl: centre.url, env: { EXAMSITE_CENTRE_RETRY_BASE_MS: '200', EXAMSITE_CENTRE_RETRY_MAX_MS: '1000' } });
      currentUrl = p.url;
      return { value: p, detail: p.url };
    });
    const siteUrl = site.url;
    const admin = new TestClient(siteUrl);

    await step('登录（admin）并设置参数：考点代码、模拟考试', async () => {
      await admin.login();
      ok('参数设置', await admin.put('/api/settings', { siteCode: SITE, mode: MODE }));
      return { detail: `考点 ${SITE}，模拟考试` };
    });

    // The centre's result-encryption key pair: the public half travels in the signed exam data.
    const resultKey = generateKeyPairSync('x25519');
    const resultPublic = resultKey.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64url');
    const now = Date.now();
    const startsAt = new Date(Math.ceil((now + 30 * MINUTE) / MINUTE) * MINUTE).toISOString();
    await step('监控平台发布考场数据包', async () => {
      const r = await centre.publish({
        siteCode: SITE,
        mode: MODE,
        rooms: o.rooms,
        candidatesPerRoom: 6,
        sessions: [{ no: 1, name: '第一场次', startsAt, durationMinutes: 60 }],
        releaseTime: new Date(now - 60 * MINUTE).toISOString(),
        seed: 20261220,
        resultEncryptionKey: resultPublic,
      });
      return { detail: `${o.rooms} 个考场，发布时间 ${formatChinaTime(r.releaseTime)}` };
    });

    await step('载入考务（下载、校验签名与完整性、校验发布时间）', async () => {
      const r = ok('载入', await admin.post<{ roomCount: number; check: { verified: boolean } }>('/api/load/download'));
      if (!r.check.verified) throw new Error('载入后发布时间校验未通过');
      return { detail: `${r.roomCount} 个考场，校验 √` };
    });
    await step('机考锁注册与校时', async () => {
      ok('机考锁注册', await admin.post('/api/dongle/register'));
      ok('校时', await admin.post('/api/clock/calibrate'));
      return {};
    });
    await step('考试授权（下载每个场次的授权）', async () => {
      ok('考试授权', await admin.post('/api/authorization/download'));
      return {};
    });

    const rooms = await step('考场注册（每台监考机用注册码注册）', async () => {
      const table = ok('考场注册表', await admin.get<{ rooms: { roomCode: string; registrationCode: string }[] }>('/api/registration/rooms'));
      const prepared = await prepareRooms(siteUrl, table.rooms.map((r) => ({ roomCode: r.roomCode, registrationCode: r.registrationCode })), 1, dirs.proctors);
      return { value: prepared, detail: `${prepared.length} 台监考机已注册` };
    });

    await step('监考机上线（心跳），封场检测并上报', async () => {
      for (const room of rooms) await sendHeartbeat(room.client, { roomCode: room.roomCode, sessionNo: 1, state: 'idle', counts: { candidates: room.candidates, loggedIn: 0, inExam: 0, submitted: 0 }, dataImported: true });
      const run = ok('封场检测', await admin.post<{ passed: boolean; items: { label: string; passed: boolean; reason?: string }[] }>('/api/seal/run'));
      if (!run.passed) throw new Error(`封场检测未通过：${run.items.filter((i) => !i.passed).map((i) => `${i.label}（${i.reason ?? ''}）`).join('；')}`);
      await waitFor('封场检测结果上报监控平台', async () => centre.reports().some((r) => r.kind.includes('seal')), 20_000);
      return { detail: `${run.items.length} 项全部通过，已上报` };
    });

    await step('授权验证（在线）', async () => {
      ok('授权验证', await admin.post('/api/authorization/sessions/1/verify'));
      return {};
    });
    await step('监考机获取场次密钥并解密考试内容', async () => {
      const fingerprints = new Set<string>();
      for (const room of rooms) fingerprints.add((await fetchDecryptedContent(room.client, 1)).sha256);
      return { detail: `${rooms.length} 个考场解密成功，内容哈希 ${[...fingerprints].map((f) => f.slice(0, 12)).join(',')}` };
    });

    await step('考中：心跳、开考、人数变化、结束考试（含上报）', async () => {
      const summary = await simulateRooms(rooms, { sessionNo: 1, seconds: 6, intervalSeconds: 1 });
      if (summary.errors > 0) throw new Error(`监考机模拟出错：${summary.errorMessages.join('；')}`);
      const view = ok('考场监控', await admin.get<MonitorOverview>('/api/monitor/rooms?sessionNo=1'));
      const notEnded = view.rows.filter((r) => r.live.state !== 'ended').map((r) => r.roomCode);
      if (notEnded.length > 0) throw new Error(`考场监控页显示这些考场尚未结束考试：${notEnded.join('、')}`);
      await waitFor('全部开考、全部结束上报监控平台', async () => centre.reports().filter((r) => /start|end/i.test(r.kind)).length >= 2, 20_000);
      return { detail: `${summary.beats} 次心跳，开考 ${summary.started}，结束 ${summary.ended}，监控页 ${view.rows.length} 个考场均已结束` };
    });

    const packages = await step('监考机生成结果数据包', async () => {
      const written: { room: SimulatedRoom; pkg: WrittenResultPackage }[] = [];
      for (const room of rooms) written.push({ room, pkg: await resultPackageOf(room, o.answerBytes, path.join(dirs.proctors, `${room.roomCode}-1.zip`)) });
      return { value: written, detail: `${written.length} 个，共 ${written.reduce((n, w) => n + w.pkg.size, 0)} 字节` };
    });

    await step('数据回收：HTTP 上传、FTP 上传、中断后续传、手动回收', async () => {
      const ways: string[] = [];
      for (const [i, { room, pkg }] of packages.entries()) {
        if (i === 0 && packages.length > 1) {
          await uploadOverFtp(room.client, pkg);
          ways.push(`${room.roomCode} FTP`);
        } else if (i === 1 && packages.length > 2) {
          let url: string | null = null;
          // Four chunks, so the "PC switched off" lands between two of them.
          const chunkSize = Math.max(1, Math.ceil(pkg.size / 4));
          const cut = await uploadResultOverHttp(room.client, 1, pkg.file, { sha256: pkg.sha256, chunkSize, stopAfterBytes: Math.floor(pkg.size / 2), onUploadUrl: (u) => (url = u) }).then(
            () => false,
            () => true,
          );
          if (!cut || !url) throw new Error('中断的上传没有中断');
          await uploadResultOverHttp(room.client, 1, pkg.file, { sha256: pkg.sha256, chunkSize, uploadUrl: url });
          ways.push(`${room.roomCode} HTTP 中断后续传`);
        } else if (i === 2 && packages.length > 3) {
          ok('手动回收', await admin.post(`/api/collection/import?name=${encodeURIComponent(path.basename(pkg.file))}`, fs.readFileSync(pkg.file), { 'content-type': 'application/zip' }));
          ways.push(`${room.roomCode} 手动回收`);
        } else {
          await uploadResultOverHttp(room.client, 1, pkg.file, { sha256: pkg.sha256 });
          ways.push(`${room.roomCode} HTTP`);
        }
      }
      const table = ok('数据回收表', await admin.get<{ rows: unknown[] }>('/api/collection/table'));
      return { detail: `${ways.join('，')}；数据回收表 ${table.rows.length} 行` };
    });

    await step('考后上报 第一步：备份到外部存储设备并读回校验', async () => {
      ok('第一步', await admin.post('/api/collection/report/backup', { folder: dirs.usb }));
      const view = await waitFor('备份完成', async () => {
        const v = ok('考后上报', await admin.get<{ backup: { running: boolean; coversCurrent: boolean; summary: string; latest: { failure: string } | null } }>('/api/collection/report'));
        if (v.backup.latest?.failure) throw new Error(`备份失败：${v.backup.latest.failure}`);
        return !v.backup.running && v.backup.coversCurrent ? v : null;
      }, 60_000);
      return { detail: view.backup.summary };
    });
    await step('考后上报 第二步：上报到监控平台（平台确认）', async () => {
      ok('第二步', await admin.post('/api/collection/report/sessions/1/upload'));
      const s = await waitFor('上报完成', async () => {
        const v = ok('考后上报', await admin.get<{ sessions: { sessionNo: number; reportedRooms: number; roomCount: number; statusText: string; running: boolean }[] }>('/api/collection/report'));
        const one = v.sessions.find((x) => x.sessionNo === 1);
        return one && !one.running && one.reportedRooms === one.roomCount ? one : null;
      }, 60_000);
      return { detail: `${s.reportedRooms}/${s.roomCount} 个考场，${s.statusText}；平台收到 ${centre.uploads().length} 个文件` };
    });

    await step('监控平台用结果私钥解密收到的结果包', async () => {
      const privatePem = resultKey.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      let answers = 0;
      for (const { room, pkg } of packages) {
        const got = centre.uploads().find((u) => u.complete && u.sha256 === pkg.sha256 && u.file);
        if (!got?.file) throw new Error(`监控平台没有收到考场 ${room.roomCode} 的结果包（SHA-256 ${pkg.sha256.slice(0, 12)}）`);
        const opened = await openResultPackage(got.file, privatePem);
        if (opened.answers.size !== pkg.manifest.files.length) throw new Error(`考场 ${room.roomCode} 的结果包只解密出 ${opened.answers.size}/${pkg.manifest.files.length} 个答案`);
        answers += opened.answers.size;
      }
      return { detail: `${packages.length} 个结果包哈希一致，解密出 ${answers} 个答案文件` };
    });

    const backup = await step('系统备份', async () => {
      const made = ok('系统备份', await admin.post<{ file: string; size: number; verified: boolean; note: string }>('/api/system/backups', { folder: dirs.backups, note: '演示：考后备份' }));
      if (!made.verified) throw new Error('备份未校验');
      const listed = ok('备份列表', await admin.get<{ file: string; verified: boolean }[]>(`/api/system/backups?folder=${encodeURIComponent(dirs.backups)}`));
      if (!listed.some((b) => b.file === made.file && b.verified)) throw new Error('备份列表中没有这份已校验的备份');
      return { value: made, detail: `${path.basename(made.file)}，${made.size} 字节，已校验` };
    });

    const before = await siteFacts(admin);
    await site.stop();
    site = null;
    currentUrl = null;

    restored = await step('在新数据目录上恢复备份（同一机考锁）', async () => {
      fs.copyFileSync(path.join(dirs.site, 'soft-dongle.json'), path.join(dirs.site2, 'soft-dongle.json'));
      const p = await ProductProcess.start({ dataDir: dirs.site2, centreKeys: [centre.keys], centreUrl: centre.url });
      const fresh = new TestClient(p.url);
      await fresh.login();
      ok('系统恢复', await fresh.post('/api/system/restore', { file: backup.file }));
      await p.waitForLog((l) => l.msg.startsWith('考点管理系统已启动') && p.lines.filter((x) => x.msg.startsWith('考点管理系统已启动')).length >= 2, 30_000);
      currentUrl = p.url;
      return { value: p, detail: p.url };
    });
    const after = new TestClient(restored.url);
    await step('检查：数据、回收结果与监考机凭证都还在', async () => {
      await after.login();
      const facts = await siteFacts(after);
      if (JSON.stringify(facts) !== JSON.stringify(before)) throw new Error(`恢复后的数据与备份前不一致：${JSON.stringify({ before, after: facts })}`);
      for (const room of rooms) {
        const moved = new ProctorClient(restored!.url, room.client.credentials);
        if ((await moved.whoami()).roomCode !== room.roomCode) throw new Error(`考场 ${room.roomCode} 的监考机凭证失效`);
      }
      if (facts.collectedPackages !== facts.expectedPackages || (facts.lines.pending ?? 0) > 0) throw new Error(`恢复后仍有未回收的结果：${JSON.stringify(facts)}`);
      return { detail: `${facts.rooms} 个考场，回收 ${facts.collectedPackages}/${facts.expectedPackages} 个结果包，${facts.acknowledged} 条考生科目结果已获平台确认，${rooms.length} 台监考机凭证有效` };
    });

    return steps.summary({
      rooms: rooms.length,
      packages: packages.length,
      bytes: packages.reduce((n, p) => n + p.pkg.size, 0),
      hashes: Object.fromEntries(packages.map((p) => [p.room.roomCode, p.pkg.sha256])),
      centreReports: centre.reports().length,
      centreUploads: centre.uploads().length,
      siteUrl: o.keep ? restored.url : null,
    });
  } finally {
    if (!o.keep) {
      await restored?.stop();
      await site?.stop();
      await sim?.stop();
    }
  }
}

async function resultPackageOf(room: SimulatedRoom, answerBytes: number, file: string): Promise<WrittenResultPackage> {
  const creds = room.client.credentials;
  if (!creds?.signingPrivateKeyPem) throw new Error(`考场 ${room.roomCode} 的监考机没有签名密钥`);
  const data = await room.client.room();
  if (!data.resultEncryptionKey) throw new Error('考务数据中没有监控平台的结果加密公钥');
  return writeResultPackage(
    {
      siteCode: data.siteCode,
      mode: MODE,
      roomCode: room.roomCode,
      sessionNo: 1,
      registrationId: creds.registrationId,
      signingPrivateKeyPem: creds.signingPrivateKeyPem,
      centreResultKey: data.resultEncryptionKey,
      subjects: subjectsOfSession(data, 1),
      answerBytes,
    },
    file,
  );
}

/** FTP upload as docs/proctor-protocol.md says: declare over HTTP, log in, STOR, check the receipt. */
async function uploadOverFtp(client: ProctorClient, pkg: WrittenResultPackage): Promise<void> {
  const creds = client.credentials!;
  const res = await fetch(client.url('/sessions/1/results/ftp-intent'), {
    method: 'POST',
    headers: { ...client.authHeader(), 'content-type': 'application/json' },
    body: JSON.stringify({ size: pkg.size, sha256: pkg.sha256 }),
  });
  const intent = (await res.json()) as { fileName: string; ftpPort: number };
  if (!res.ok) throw new Error(`FTP 上传声明失败：${JSON.stringify(intent)}`);
  const ftp = new FtpClient(15_000);
  try {
    await ftp.access({ host: new URL(client.siteUrl).hostname, port: intent.ftpPort, user: creds.roomCode, password: creds.token });
    await ftp.uploadFrom(pkg.file, intent.fileName);
  } finally {
    ftp.close();
  }
  const status = await fetch(client.url(`/sessions/1/results/ftp/${intent.fileName}`), { headers: client.authHeader() });
  const body = (await status.json()) as { state: string; receipt?: unknown };
  if (!body.receipt) throw new Error(`FTP 上传后没有回执：${JSON.stringify(body)}`);
}

/** What must survive a backup and restore, as the administrator sees it. */
interface SiteFacts {
  readonly rooms: number;
  readonly registered: number;
  readonly collectedPackages: number;
  readonly expectedPackages: number;
  /** Reconciliation lines per state, and how many the centre acknowledged. */
  readonly lines: Readonly<Record<string, number>>;
  readonly acknowledged: number;
  /** The whole 数据回收 table and reconciliation, hashed: equal means equal, row for row. */
  readonly digest: string;
}

async function siteFacts(admin: TestClient): Promise<SiteFacts> {
  const rooms = ok('考场注册表', await admin.get<{ rooms: { roomCode: string; registeredIp: string | null }[] }>('/api/registration/rooms'));
  const recon = ok('对账', await admin.get<Reconciliation>('/api/collection/reconciliation'));
  const table = ok('数据回收表', await admin.get<CollectionTable>('/api/collection/table'));
  const lines: Record<string, number> = {};
  for (const l of recon.lines) lines[l.state] = (lines[l.state] ?? 0) + 1;
  return {
    rooms: rooms.rooms.length,
    registered: rooms.rooms.filter((r) => r.registeredIp).length,
    collectedPackages: table.collectedPackages,
    expectedPackages: table.expectedPackages,
    lines,
    acknowledged: recon.lines.filter((l) => l.acknowledged).length,
    digest: createHash('sha256').update(JSON.stringify({ table, recon })).digest('hex').slice(0, 16),
  };
}
