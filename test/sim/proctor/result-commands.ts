import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { ProctorCommand } from './commands';
import type { ProctorClient } from './proctor-client';
import { answerBytesFor, subjectsOfSession, writeResultPackage } from './result-package';
import { uploadResultOverFtp } from './result-ftp-upload';
import { uploadResultOverHttp } from './result-upload';

const str = (v: string | boolean | undefined): string => (typeof v === 'string' ? v : '');

function sessionOf(v: string | boolean | undefined): number {
  const n = Number(str(v));
  if (!Number.isInteger(n) || n < 1 || n > 99) throw new Error('--session 应为场次号（1–99 的整数）');
  return n;
}

/** "200000", "20MB", "1.5GB" → bytes. */
export function parseSize(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB)?$/i.exec(v.trim());
  if (!m) throw new Error(`--size ${v} 无法识别，应为字节数或带单位的大小，如 100MB`);
  const unit = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[(m[2] ?? 'B').toUpperCase() as 'B' | 'KB' | 'MB' | 'GB'];
  return Math.round(Number(m[1]) * unit);
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The result package of this room and session: sealed for the centre, signed by this PC. */
async function exportPackage(client: ProctorClient, sessionNo: number, out: string, options: { size?: number; absent: string[] }): Promise<{ file: string; size: number; sha256: string }> {
  const creds = client.credentials!;
  if (!creds.signingPrivateKeyPem) throw new Error('本机凭证中没有签名私钥：请升级客户端并重新注册');
  const [room, who] = await Promise.all([client.room(), client.whoami()]);
  if (!room.resultEncryptionKey) throw new Error('考场数据中没有监控平台的结果加密公钥，无法生成结果数据包');
  const subjects = subjectsOfSession(room, sessionNo, new Set(options.absent));
  const written = await writeResultPackage(
    {
      siteCode: room.siteCode,
      mode: who.mode,
      roomCode: creds.roomCode,
      sessionNo,
      registrationId: creds.registrationId,
      signingPrivateKeyPem: creds.signingPrivateKeyPem,
      centreResultKey: room.resultEncryptionKey,
      subjects,
      answerBytes: options.size ? answerBytesFor(options.size, subjects) : 1024,
    },
    out,
  );
  return { file: written.file, size: written.size, sha256: written.sha256 };
}

export const exportCommand: ProctorCommand = {
  name: 'export',
  summary: '导出本考场某场次的结果数据包（供 U 盘拷贝到考点“回收”；--size 生成指定大小，用于测试）',
  options: {
    session: { type: 'string', description: '场次号', required: true },
    out: { type: 'string', description: '输出文件（.zip）', required: true },
    size: { type: 'string', description: '结果包的大致大小，如 100MB（默认每份答卷 1 KB）' },
    absent: { type: 'string', description: '缺考考生的准考证号，逗号分隔' },
  },
  async run(ctx) {
    const client = await ctx.registeredClient();
    const size = str(ctx.options.size) ? parseSize(str(ctx.options.size)) : undefined;
    const absent = str(ctx.options.absent).split(',').filter(Boolean);
    const p = await exportPackage(client, sessionOf(ctx.options.session), str(ctx.options.out), { size, absent });
    return { text: `已导出结果数据包 ${p.file}（${p.size} 字节，SHA-256 ${p.sha256}）`, data: p };
  },
};

export const uploadCommand: ProctorCommand = {
  name: 'upload',
  summary: '上报结果数据包到考点：HTTP 可续传（tus），--ftp 走 FTP；中断后再执行一次即从断点续传',
  options: {
    session: { type: 'string', description: '场次号', required: true },
    file: { type: 'string', description: '结果数据包（不给则先按 --size 生成一个）' },
    size: { type: 'string', description: '生成的结果包大小，如 100MB（未给 --file 时）' },
    ftp: { type: 'boolean', description: '用 FTP 上传（先经 HTTP 声明大小和 SHA-256）' },
  },
  async run(ctx) {
    const client = await ctx.registeredClient();
    const sessionNo = sessionOf(ctx.options.session);
    let file = str(ctx.options.file);
    if (!file) {
      file = path.join(path.dirname(ctx.credentialsFile), `result-${client.credentials!.roomCode}-${sessionNo}.zip`);
      await exportPackage(client, sessionNo, file, { size: str(ctx.options.size) ? parseSize(str(ctx.options.size)) : undefined, absent: [] });
    }
    const size = (await fsp.stat(file)).size;
    const sha256 = await sha256OfFile(file);
    // Where a cut HTTP upload resumes: kept next to the package, so a new run goes on from there.
    const resumeFile = `${file}.upload.json`;
    const saved = (await fsp.readFile(resumeFile, 'utf8').then((t) => JSON.parse(t) as { uploadUrl: string; sha256: string }).catch(() => null));
    let receipt: Record<string, unknown>;
    if (ctx.options.ftp === true) {
      receipt = (await uploadResultOverFtp(client, sessionNo, file, { size, sha256 })).receipt;
    } else {
      const answer = await uploadResultOverHttp(client, sessionNo, file, {
        sha256,
        uploadUrl: saved?.sha256 === sha256 ? saved.uploadUrl : null,
        onUploadUrl: (uploadUrl) => void fsp.writeFile(resumeFile, JSON.stringify({ uploadUrl, sha256 })),
        onProgress: (sent, total) => ctx.progress(`已上传 ${sent} / ${total} 字节`),
      });
      receipt = answer.receipt;
    }
    await fsp.rm(resumeFile, { force: true });
    const receiptFile = `${file}.receipt.json`;
    await fsp.writeFile(receiptFile, JSON.stringify(receipt, null, 2));
    return { text: `上报成功：${file}（${size} 字节），考点回执已保存到 ${receiptFile}`, data: { file, size, sha256, receipt, receiptFile } };
  },
};
