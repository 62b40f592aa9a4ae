/** What a person at the site PC's console needs once the product is ready (issue 10 point 9). */
export interface StartSummary {
  /** The admin UI, on the site PC itself. */
  readonly uiUrl: string;
  /** The address proctor PCs use without TLS (`--site` of the proctor client, the exported sheet). */
  readonly lanUrl: string;
  /** The same port over TLS, and the certificate fingerprint proctors pin (`--pin`). */
  readonly lanTlsUrl: string;
  readonly tlsFingerprint256: string;
  readonly dataDir: string;
  readonly mode: 'formal' | 'mock';
  readonly siteCode: string | null;
  /** Plugin services with an address (e.g. FTP服务 while it runs). */
  readonly services: readonly { readonly label: string; readonly text: string; readonly address?: string }[];
}

const MODE_LABEL = { formal: '正式考试', mock: '模拟考试' } as const;

/** A short Chinese banner; its first line starts like the ready log line (`考点管理系统已启动`). */
export function formatStartBanner(s: StartSummary): string {
  const rows: [string, string][] = [
    ['管理界面', `${s.uiUrl}（在本机浏览器中打开）`],
    ['监考机连接地址', `${s.lanTlsUrl}（加密）`],
    ['证书指纹', `SHA-256 ${s.tlsFingerprint256}`],
    ['未加密地址', `${s.lanUrl}（仅供不支持 TLS 的监考软件）`],
    ...s.services.map((x): [string, string] => [x.label, x.address ? `${x.text}  ${x.address}` : x.text]),
    ['数据目录', s.dataDir],
    ['考试模式', `${MODE_LABEL[s.mode]}${s.siteCode ? `，考点代码 ${s.siteCode}` : '，考点代码尚未设置（登录后在“系统设置”中填写）'}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const line = '─'.repeat(48);
  return [
    line,
    `考点管理系统已启动`,
    ...rows.map(([k, v]) => `  ${k}${'　'.repeat(width - k.length)}：${v}`),
    '  按 Ctrl+C 安全退出',
    line,
    '',
  ].join('\n');
}
