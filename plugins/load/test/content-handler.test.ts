import { expect } from 'chai';
import { plugin as loadPlugin } from '../server/plugin';
import { demoContentPlugin } from './demo-content-plugin';
import { buildPackage, startLoadHarness, type LoadHarness } from './load-fixtures';
import { startedForEachTest } from '../../../core/testing/started-fixture';
import type { ErrorBody } from '../../../core/http/errors';

describe('载入考务: vendor content handlers at load.contentHandlers (R10.2)', function () {
  this.timeout(30_000);
  let h: LoadHarness;
  let demo: ReturnType<typeof demoContentPlugin>;

  startedForEachTest(
    () => {
      demo = demoContentPlugin();
      return startLoadHarness({ plugins: [loadPlugin, demo.plugin] });
    },
    (v) => {
      h = v;
    },
  );

  const good = Buffer.from(JSON.stringify({ certificate: 'Web 前端开发', toolVersion: '2.1.0', siteCode: '11003' }));

  it('accepts a package with valid vendor entries listed in the signed manifest, and hands them over after the commit', async () => {
    const pkg = await buildPackage(h.key, {}, {
      extraFiles: [
        { name: 'vendor/demo/tool.json', bytes: good, listed: true },
        { name: 'vendor/demo/extra.json', bytes: good, listed: true },
      ],
    });
    const r = await h.importZip(pkg.bytes);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(demo.accepted.map((e) => e.name).sort()).to.deep.equal(['vendor/demo/extra.json', 'vendor/demo/tool.json']);
    expect(demo.accepted[0]!.bytes.equals(good)).to.equal(true);
  });

  it('R2.5 refuses a vendor entry the manifest does not list, even one its handler would accept: nothing stored, nothing handed over', async () => {
    const before = await h.snapshot();
    const pkg = await buildPackage(h.key, {}, {
      extraFiles: [
        { name: 'vendor/demo/tool.json', bytes: good, listed: true },
        { name: 'vendor/demo/extra.json', bytes: good, listed: false },
      ],
    });
    const r = await h.importZip(pkg.bytes);
    expect(r.status).to.equal(422);
    expect((r.body as ErrorBody).error).to.deep.include({
      code: 'PACKAGE_FILE_UNLISTED',
      message: '数据包中的文件 vendor/demo/extra.json 不在清单中，数据包可能被篡改，请使用监控平台下发的原始数据包',
    });
    expect(demo.accepted).to.have.length(0);
    expect(await h.snapshot()).to.equal(before);
  });

  it('refuses the whole package when the vendor entry is wrong, and stores nothing', async () => {
    const before = await h.snapshot();
    const bad = Buffer.from(JSON.stringify({ certificate: 'Web 前端开发', toolVersion: 'latest', siteCode: '11003' }));
    const pkg = await buildPackage(h.key, {}, { extraFiles: [{ name: 'vendor/demo/tool.json', bytes: bad, listed: true }] });
    const r = await h.importZip(pkg.bytes);
    expect(r.status).to.equal(422);
    expect((r.body as ErrorBody).error.message).to.equal('数据包中的文件 vendor/demo/tool.json 未通过 demo-vendor 的检查：toolVersion：工具版本应为 x.y.z');
    expect(demo.accepted).to.have.length(0);
    expect(await h.snapshot()).to.equal(before);
  });

  it('without the handler, an unlisted vendor entry is refused', async () => {
    const plain = await startLoadHarness({ key: h.key });
    try {
      const pkg = await buildPackage(h.key, {}, { extraFiles: [{ name: 'vendor/demo/tool.json', bytes: good, listed: false }] });
      const r = await plain.importZip(pkg.bytes);
      expect(r.status).to.equal(422);
      expect((r.body as ErrorBody).error.code).to.equal('PACKAGE_FILE_UNLISTED');
    } finally {
      await plain.stop();
    }
  });
});
