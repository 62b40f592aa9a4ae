import { promises as fsp } from 'node:fs';
import type { ProctorCommand } from './commands';
import { fetchDecryptedContent, fetchSessionContent, fetchSessionKey, keyFingerprint } from './session-key';

function sessionOption(v: string | boolean | undefined): number {
  const n = typeof v === 'string' && /^\d{1,2}$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1)) throw new Error('--session 应为场次号（1–99）');
  return n;
}

/** `key --session N`: fetches the session key (after 授权验证) and shows its fingerprint, never the key. */
export const keyCommand: ProctorCommand = {
  name: 'key',
  summary: '获取场次试题密钥（考点完成授权验证后），显示其指纹',
  options: { session: { type: 'string', description: '场次号', required: true } },
  async run(ctx) {
    const no = sessionOption(ctx.options.session);
    const key = await fetchSessionKey(await ctx.registeredClient(), no);
    const fingerprint = keyFingerprint(key);
    key.fill(0);
    return { text: `已获取第 ${no} 场次试题密钥（指纹 ${fingerprint}）`, data: { sessionNo: no, keyFingerprint: fingerprint } };
  },
};

/** `content --session N --out file [--encrypted]`: downloads the content, decrypts it with the key. */
export const contentCommand: ProctorCommand = {
  name: 'content',
  summary: '下载场次考试内容；默认用试题密钥解密后保存（--encrypted 只保存加密内容）',
  options: {
    session: { type: 'string', description: '场次号', required: true },
    out: { type: 'string', description: '保存到的文件', required: true },
    encrypted: { type: 'boolean', description: '只下载加密内容（不需要试题密钥）' },
  },
  async run(ctx) {
    const no = sessionOption(ctx.options.session);
    const out = String(ctx.options.out);
    const client = await ctx.registeredClient();
    if (ctx.options.encrypted) {
      const c = await fetchSessionContent(client, no);
      await fsp.writeFile(out, c.bytes);
      return { text: `已保存第 ${no} 场次加密考试内容到 ${out}（${c.bytes.length} 字节，SHA-256 ${c.sha256}）`, data: { sessionNo: no, out, bytes: c.bytes.length, sha256: c.sha256 } };
    }
    const r = await fetchDecryptedContent(client, no);
    await fsp.writeFile(out, r.plaintext);
    return {
      text: `已解密第 ${no} 场次考试内容并保存到 ${out}（${r.plaintext.length} 字节，密钥指纹 ${r.keyFingerprint}）`,
      data: { sessionNo: no, out, bytes: r.plaintext.length, encryptedSha256: r.sha256, keyFingerprint: r.keyFingerprint },
    };
  },
};
