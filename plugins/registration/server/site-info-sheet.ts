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

/** Where proctor PCs reach the site (issue 15 point 4): over TLS, pinned, and plain for software without TLS. */
export interface SiteAddresses {
  /** https://<LAN address>:<port>: the site certificate, pinned by its fingerprint. */
  readonly secure: string;
  /** SHA-256 of the site certificate (AB:CD:… as Node and browsers show it). */
  readonly fingerprint256: string;
  /** http://<LAN address>:<port>, the same port without encryption. */
  readonly plain: string;
}

export interface SiteInfoSheetInput {
  readonly siteCode: string;
  readonly modeLabel: string;
  readonly addresses: SiteAddresses;
  readonly releaseTime: string;
  readonly exportedAt: string;
  readonly rooms: readonly SiteInfoRoom[];
}

/** What a room's QR code encodes: everything a proctor PC needs to register (docs/proctor-protocol.md). */
export interface RegistrationQrPayload {
  /** The https:// address; `pin` is the certificate fingerprint a client must see there. */
  readonly site: string;
  readonly pin: string;
  /** The unencrypted address, for proctor software that cannot do TLS. */
  readonly plainSite: string;
  readonly roomCode: string;
  readonly registrationCode: string;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function registrationQrPayload(addresses: SiteAddresses, room: SiteInfoRoom): RegistrationQrPayload {
  return { site: addresses.secure, pin: addresses.fingerprint256, plainSite: addresses.plain, roomCode: room.roomCode, registrationCode: room.registrationCode };
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
    const a = input.addresses;
    const svg = await qrSvg(registrationQrPayload(a, room));
    cards.push(`<section class="card">
  <div class="qr">${svg}</div>
  <dl>
    <dt>考场代码</dt><dd class="code">${escapeHtml(room.roomCode)}</dd>
    <dt>考场</dt><dd>${escapeHtml(room.roomLabel)}</dd>
    <dt>注册码</dt><dd class="code">${escapeHtml(room.registrationCode)}</dd>
    <dt>考点地址</dt><dd>${escapeHtml(a.secure)}</dd>
    <dt>证书指纹</dt><dd class="pin">${escapeHtml(a.fingerprint256)}</dd>
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
  body { font-family: "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif; color: #303133; margin: 0; }
  /* The product's look (web/src/views/ShellFrame.vue): its blue title band and primary button. */
  .product { background: #1f4e8c; color: #fff; padding: 3mm 5mm; margin: 0 0 5mm; font-size: 12pt; font-weight: 600; letter-spacing: 1px; border-radius: 4px; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h1 { font-size: 18pt; margin: 0 0 4mm; color: #1f4e8c; }
  button { background: #2d6cb5; border: 1px solid #2d6cb5; color: #fff; border-radius: 4px; padding: 6px 16px; font-size: 14px; font-family: inherit; cursor: pointer; }
  button:hover { background: #1f4e8c; }
  .meta { font-size: 10pt; margin-bottom: 6mm; }
  .meta span { margin-right: 8mm; }
  .cards { display: grid; grid-template-columns: 1fr 1fr; gap: 6mm; }
  .card { border: 1px dashed #444; border-radius: 4px; padding: 4mm; display: flex; gap: 4mm; align-items: center; break-inside: avoid; page-break-inside: avoid; }
  .qr svg { width: 34mm; height: 34mm; display: block; }
  dl { margin: 0; display: grid; grid-template-columns: auto 1fr; gap: 1mm 3mm; font-size: 10pt; }
  dt { color: #333; }
  dd { margin: 0; word-break: break-all; }
  dd.code { font-family: Consolas, "Courier New", monospace; font-size: 14pt; font-weight: bold; letter-spacing: 1px; }
  .note { font-size: 9pt; margin-top: 6mm; color: #333; }
  .tls { font-size: 10pt; margin: 0 0 6mm; }
  .pin { font-family: Consolas, "Courier New", monospace; font-size: 8pt; word-break: break-all; }
  .plain { color: #a00; }
  @media print { .no-print { display: none; } }
</style>
</head>
<body>
<div class="product">考点管理系统</div>
<h1>${escapeHtml(title)}</h1>
<div class="meta">
  <span>考点地址（加密）：${escapeHtml(input.addresses.secure)}</span>
  <span>考试模式：${escapeHtml(input.modeLabel)}</span>
  <span>考场数据发布时间：${escapeHtml(formatChinaTime(input.releaseTime))}</span>
  <span>导出时间：${escapeHtml(formatChinaTime(input.exportedAt))}</span>
</div>
<p class="tls">证书指纹（SHA-256）：<span class="pin">${escapeHtml(input.addresses.fingerprint256)}</span><br>
监考机连接考点时须核对此指纹，不一致即拒绝连接（可能有其他电脑冒充考点）。<br>
<span class="plain">未加密地址：${escapeHtml(input.addresses.plain)}（仅供不支持 TLS 的监考软件使用，通信内容不加密）</span></p>
<div class="cards">
${cards.join('\n')}
</div>
<p class="note">监考机在“监考管理系统”中输入考场代码和注册码（或扫描二维码）注册到考点。注册码请妥善保管，仅下发到对应考场。</p>
<p class="no-print"><button onclick="window.print()">打印</button></p>
</body>
</html>
`;
}
