import { expect } from 'chai';
import QRCode from 'qrcode';
import { escapeHtml, registrationQrPayload, renderSiteInfoSheet } from '../server/site-info-sheet';

type SheetRooms = Parameters<typeof renderSiteInfoSheet>[0]['rooms'];

const FINGERPRINT = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(':');
const ADDRESSES = { secure: 'https://192.168.1.10:9190', fingerprint256: FINGERPRINT, plain: 'http://192.168.1.10:9190' };

const sheetOf = (rooms: SheetRooms): Promise<string> =>
  renderSiteInfoSheet({
    siteCode: '11003',
    modeLabel: '模拟考试',
    addresses: ADDRESSES,
    releaseTime: '2026-12-01T20:00:00+08:00',
    exportedAt: '2026-12-02T08:00:00.000Z',
    rooms,
  });

describe('site info sheet (R3.1)', () => {
  it('escapes every value it prints and encodes site, room and code in each QR code', async () => {
    const html = await sheetOf([{ roomCode: '11003001', roomLabel: '第1考场 <script>alert(1)</script> "A&B"', registrationCode: 'ABCD2345', registeredIp: null }]);
    expect(html).to.not.contain('<script>');
    expect(html).to.contain('第1考场 &#60;script&#62;alert(1)&#60;/script&#62; &#34;A&#38;B&#34;');
    expect(html).to.contain('>未注册<');
    expect(html.match(/<svg/g)).to.have.length(1);
    expect(escapeHtml(`<>&"'\``)).to.equal('&#60;&#62;&#38;&#34;&#39;&#96;');
  });

  it('prints the https address with the certificate fingerprint, the plain address marked unencrypted, and puts both in the QR code (issue 15 point 4)', async () => {
    const room = { roomCode: '11003001', roomLabel: '第1考场', registrationCode: 'ABCD2345', registeredIp: null };
    const html = await sheetOf([room]);
    expect(html).to.contain('考点地址（加密）：https://192.168.1.10:9190');
    expect(html).to.contain(`证书指纹（SHA-256）：<span class="pin">${FINGERPRINT}</span>`);
    expect(html).to.contain('<dt>证书指纹</dt><dd class="pin">' + FINGERPRINT);
    expect(html).to.contain('未加密地址：http://192.168.1.10:9190（仅供不支持 TLS 的监考软件使用，通信内容不加密）');
    const payload = registrationQrPayload(ADDRESSES, room);
    expect(payload).to.deep.equal({ site: 'https://192.168.1.10:9190', pin: FINGERPRINT, plainSite: 'http://192.168.1.10:9190', roomCode: '11003001', registrationCode: 'ABCD2345' });
    // The card's QR code is exactly this payload's.
    const expected = await QRCode.toString(JSON.stringify(payload), { type: 'svg', errorCorrectionLevel: 'M', margin: 1, width: 132 });
    expect(html).to.contain(expected);
  });

  it('shows the release and export instants in China time, never as raw ISO strings (issue 10 point 6)', async () => {
    const html = await sheetOf([]);
    expect(html).to.contain('考场数据发布时间：2026-12-01 20:00:00');
    expect(html).to.contain('导出时间：2026-12-02 16:00:00');
    expect(html).to.not.match(/\d{4}-\d{2}-\d{2}T\d{2}:/);
  });
});
