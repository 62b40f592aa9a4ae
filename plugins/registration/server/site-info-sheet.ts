import QRCode from 'qrcode';
import { formatChinaTime } from '../../../core/time/china-time';

export interface SiteInfoRoom {
  readonly roomCode: string;
  /** 考场名称 and 地址 as the package gives them. */
  readonly roomLabel: string;
  readonly registrationCode: string;
  /** 注册IP when already registered (shown on the sheet for the record). */
  readonly registeredIp: string | null;
}

export interface SiteInfoSheetInput {
  readonly siteCode: string;
  readonly modeLabel: string;
  /** http://<LAN address>:<port> the proctor PCs use. */
  readonly siteUrl: string;
  readonly releaseTime: string;
  readonly exportedAt: string;
  readonly rooms: readonly SiteInfoRoom[];
}

/** What a room's QR code encodes: everything a proctor PC needs to register. */
export interface RegistrationQrPayload {
  readonly site: string;
  readonly roomCode: string;
  readonly registrationCode: string;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function qrSvg(payload: RegistrationQrPayload): Promise<string> {
  // The library writes only <svg>/<path> markup from the encoded modules, no input text.
  return QRCode.toString(JSON.stringify(payload), { type: 'svg', errorCorrectionLevel: 'M', margin: 1, width: 132 });
}

/**
 * 导出考点信息 (R3.1): the printable A4 sheet handed to the rooms — one card per room with
 * its room code, registration code, a QR code of both and the site's LAN address.
 */
export async function renderSiteInfoSheet(input: SiteInfoSheetInput): Promise<string> {
  const cards: string[] = [];
  for (const room of input.rooms) {
    const svg = await qrSvg({ site: input.siteUrl, roomCode: room.roomCode, registrationCode: room.registrationCode });
    cards.push(`<section class="card">
  <div class="qr">${svg}</div>
  <dl>
    <dt>考场代码</dt><dd class="code">${escapeHtml(room.roomCode)}</dd>
    <dt>考场</dt><dd>${escapeHtml(room.roomLabel)}</dd>
    <dt>注册码</dt><dd class="code">${escapeHtml(room.registrationCode)}</dd>
    <dt>考点地址</dt><dd>${escapeHtml(input.siteUrl)}</dd>
    <dt>注册IP</dt><dd>${escapeHtml(room.registeredIp ?? '未注册')}</dd>
  </dl>
</section>`);
  }
  const title = `考点信息 — 考点 ${input.siteCode}`;
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
  @page { size: A4; margin: 14mm; }
  body { font-family: "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif; color: #000; margin: 0; }
  h1 { font-size: 18pt; margin: 0 0 4mm; }
  .meta { font-size: 10pt; margin-bottom: 6mm; }
  .meta span { margin-right: 8mm; }
  .cards { display: grid; grid-template-columns: 1fr 1fr; gap: 6mm; }
  .card { border: 1px dashed #444; padding: 4mm; display: flex; gap: 4mm; align-items: center; break-inside: avoid; page-break-inside: avoid; }
  .qr svg { width: 34mm; height: 34mm; display: block; }
  dl { margin: 0; display: grid; grid-template-columns: auto 1fr; gap: 1mm 3mm; font-size: 10pt; }
  dt { color: #333; }
  dd { margin: 0; word-break: break-all; }
  dd.code { font-family: Consolas, "Courier New", monospace; font-size: 14pt; font-weight: bold; letter-spacing: 1px; }
  .note { font-size: 9pt; margin-top: 6mm; color: #333; }
  @media print { .no-print { display: none; } }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<div class="meta">
  <span>考点地址：${escapeHtml(input.siteUrl)}</span>
  <span>考试模式：${escapeHtml(input.modeLabel)}</span>
  <span>考场数据发布时间：${escapeHtml(formatChinaTime(input.releaseTime))}</span>
  <span>导出时间：${escapeHtml(formatChinaTime(input.exportedAt))}</span>
</div>
<div class="cards">
${cards.join('\n')}
</div>
<p class="note">监考机在“监考管理系统”中输入考场代码和注册码（或扫描二维码）注册到考点。注册码请妥善保管，仅下发到对应考场。</p>
<p class="no-print"><button onclick="window.print()">打印</button></p>
</body>
</html>
`;
}
