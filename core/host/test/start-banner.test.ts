import { expect } from 'chai';
import { formatStartBanner } from '../start-banner';

describe('the start banner at the console (issue 10 point 9)', () => {
  it('says in Chinese where the UI, the proctors, the FTP service and the data are, and the mode', () => {
    const text = formatStartBanner({
      uiUrl: 'http://127.0.0.1:9190',
      lanUrl: 'http://192.168.1.10:9190',
      lanTlsUrl: 'https://192.168.1.10:9190',
      tlsFingerprint256: 'AB:'.repeat(31) + 'AB',
      dataDir: '/srv/examsite/data',
      mode: 'mock',
      siteCode: null,
      services: [{ label: 'FTP服务', text: '运行', address: 'ftp://192.168.1.10:2121' }],
    });
    const lines = text.split('\n');
    expect(lines.find((l) => l.startsWith('考点管理系统已启动'))).to.not.equal(undefined);
    expect(text).to.contain('管理界面').and.contain('http://127.0.0.1:9190');
    expect(text).to.contain('监考机连接地址').and.contain('https://192.168.1.10:9190（加密）');
    expect(text).to.contain(`证书指纹`).and.contain(`SHA-256 ${'AB:'.repeat(31)}AB`);
    expect(text).to.contain('未加密地址').and.contain('http://192.168.1.10:9190（仅供不支持 TLS 的监考软件）');
    expect(text).to.contain('FTP服务').and.contain('ftp://192.168.1.10:2121');
    expect(text).to.contain('数据目录').and.contain('/srv/examsite/data');
    expect(text).to.contain('模拟考试').and.contain('考点代码尚未设置');
    expect(text).to.not.match(/EXAMSITE_|[{}]/);
  });
});
