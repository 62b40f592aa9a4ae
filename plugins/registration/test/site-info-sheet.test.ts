import { expect } from 'chai';
import { escapeHtml, renderSiteInfoSheet } from '../server/site-info-sheet';

type SheetRooms = Parameters<typeof renderSiteInfoSheet>[0]['rooms'];

const sheetOf = (rooms: SheetRooms): Promise<string> =>
  renderSiteInfoSheet({
    siteCode: '11003',
    modeLabel: '模拟考试',
    siteUrl: 'http://192.168.1.10:9190',
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

  it('shows the release and export instants in China time, never as raw ISO strings (issue 10 point 6)', async () => {
    const html = await sheetOf([]);
    expect(html).to.contain('考场数据发布时间：2026-12-01 20:00:00');
    expect(html).to.contain('导出时间：2026-12-02 16:00:00');
    expect(html).to.not.match(/\d{4}-\d{2}-\d{2}T\d{2}:/);
  });
});
