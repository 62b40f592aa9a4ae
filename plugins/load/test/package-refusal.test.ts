import { expect } from 'chai';
import { DEFAULT_PACKAGE_LIMITS } from '../api/package-format';
import { SITE, buildPackage, newCentreKey, startLoadHarness, type LoadHarness } from './load-fixtures';
import { forgeZip, unforge, type ForgedEntry } from '../../../core/testing/zip-forge';
import type { ErrorBody } from '../../../core/http/errors';
import { AuditLogRow } from '../../../core/store/core-entities';
import { startedForSuite } from '../../../core/testing/started-fixture';
import { signBytes } from '../../../core/crypto';

/**
 * R2.5 / §5: every way a package can be wrong is refused with a Chinese message that says
 * what is wrong, and the stored data (API view, tables, content files) stays as it was.
 */
describe('载入考务: refused packages change nothing (R2.5)', function () {
  this.timeout(60_000);
  let h: LoadHarness;
  let stored: string;

  startedForSuite(() => startLoadHarness(), async (v) => {
    h = v;
    const loaded = await buildPackage(h.key, { releaseTime: '2026-12-05T10:00:00+08:00' });
    const r = await h.importZip(loaded.bytes);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    stored = await h.snapshot();
  });

  /** A package newer than the loaded one, so only the flaw under test can refuse it. */
  const newer = { releaseTime: '2026-12-06T10:00:00+08:00' };

  async function expectRefused(bytes: Buffer, message: string | RegExp, code?: string): Promise<void> {
    const r = await h.importZip(bytes);
    const body = r.body as ErrorBody;
    expect(r.status, JSON.stringify(r.body)).to.be.oneOf([400, 409, 413, 422]);
    if (typeof message === 'string') expect(body.error.message).to.equal(message);
    else expect(body.error.message).to.match(message);
    if (code) expect(body.error.code).to.equal(code);
    expect(await h.snapshot(), 'stored data unchanged').to.equal(stored);
    // …and the refusal is on record for the site's security log.
    const [last] = await h.server.store.manager.find(AuditLogRow, { order: { id: 'DESC' }, take: 1 });
    expect(last?.action).to.equal('load.refused');
    expect(JSON.parse(last!.detail)).to.include({ code: body.error.code, message: body.error.message.slice(0, 300) });
  }

  async function reforged(edit: (entries: ForgedEntry[]) => ForgedEntry[]): Promise<Buffer> {
    const pkg = await buildPackage(h.key, newer);
    return forgeZip(edit(unforge(pkg.bytes)));
  }

  it('not a zip', async () => {
    await expectRefused(Buffer.from('%PDF-1.7 这不是数据包'), '所选文件不是 zip 格式的考场数据包，请选择监控平台下发的 .zip 文件', 'PACKAGE_NOT_ZIP');
  });

  it('truncated', async () => {
    const pkg = await buildPackage(h.key, newer);
    await expectRefused(pkg.bytes.subarray(0, Math.floor(pkg.bytes.length * 0.6)), '数据包不完整（文件已截断或损坏），请重新下载或重新拷贝数据包', 'PACKAGE_TRUNCATED');
  });

  it('a changed byte in a compressed entry', async () => {
    const pkg = await buildPackage(h.key, newer);
    const bytes = Buffer.from(pkg.bytes);
    // The entry's central-directory record (its name's last occurrence) gives size and offset.
    const name = Buffer.from('rooms/11003002.json');
    const central = bytes.lastIndexOf(name) - 46;
    const compressedSize = bytes.readUInt32LE(central + 20);
    const local = bytes.readUInt32LE(central + 42);
    const dataStart = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    bytes[dataStart + Math.floor(compressedSize / 2)]! ^= 0x01;
    await expectRefused(bytes, '数据包已损坏：文件“rooms/11003002.json”校验失败（CRC 或长度不符），请重新下载或重新拷贝数据包', 'PACKAGE_CORRUPT');
  });

  it('a changed byte in a room file, re-zipped with a valid CRC (SHA-256 against the manifest)', async () => {
    const pkg = await buildPackage(h.key, newer, {
      editFiles: (files) => {
        const f = files.get('rooms/11003001.json')!;
        files.set('rooms/11003001.json', Buffer.from(f.toString('utf8').replace('"seatNo":1,', '"seatNo":9,')));
      },
    });
    await expectRefused(pkg.bytes, '数据包中文件 rooms/11003001.json 的 SHA-256 与清单不符，数据包已被篡改或损坏，请重新获取', 'PACKAGE_FILE_MISMATCH');
  });

  it('a changed manifest (bad signature)', async () => {
    const bytes = await reforged((entries) =>
      entries.map((e) => (e.name === 'manifest.json' ? { ...e, data: Buffer.from(e.data.toString('utf8').replace('第1考场', '第9考场')) } : e)),
    );
    await expectRefused(bytes, '数据包签名校验失败，内容已被篡改或损坏；请从监控平台重新获取原始文件', 'PACKAGE_SIGNATURE_INVALID');
  });

  it('a signature by an unknown key', async () => {
    const stranger = newCentreKey();
    const pkg = await buildPackage(stranger, newer);
    await expectRefused(
      pkg.bytes,
      `数据包签名密钥 ${stranger.keyId} 不在本考点信任的中心公钥中，文件可能不是监控平台签发的；请从监控平台重新获取，或核对中心公钥配置`,
      'PACKAGE_KEY_UNKNOWN',
    );
  });

  it('a malformed signature file', async () => {
    const bytes = await reforged((entries) => entries.map((e) => (e.name === 'manifest.sig' ? { ...e, data: Buffer.from('{"v":1}') } : e)));
    await expectRefused(bytes, '数据包签名文件 manifest.sig 格式错误，数据包可能被篡改，请从监控平台重新获取', 'PACKAGE_SIGNATURE_INVALID');
  });

  it('another site code', async () => {
    const pkg = await buildPackage(h.key, { ...newer, siteCode: '11004' });
    await expectRefused(pkg.bytes, '数据包考点代码 11004 与本考点 11003 不一致，请确认下载的是本考点的数据包', 'PACKAGE_SITE_MISMATCH');
  });

  it('the other mode', async () => {
    const pkg = await buildPackage(h.key, { ...newer, mode: 'formal' });
    await expectRefused(pkg.bytes, '数据包是正式考试数据，本考点当前为模拟考试模式，请在参数设置中核对考试模式或获取对应的数据包', 'PACKAGE_MODE_MISMATCH');
  });

  it('an older release', async () => {
    const pkg = await buildPackage(h.key, { releaseTime: '2026-12-04T10:00:00+08:00' });
    await expectRefused(
      pkg.bytes,
      '该数据包的发布时间 2026-12-04 10:00:00 早于已载入数据的发布时间 2026-12-05 10:00:00，不能用旧数据覆盖新数据',
      'PACKAGE_NOT_NEWER',
    );
  });

  it('the identical release', async () => {
    const pkg = await buildPackage(h.key, { releaseTime: '2026-12-05T02:00:00Z' });
    await expectRefused(pkg.bytes, '该数据包（发布时间 2026-12-05 10:00:00）已经载入，无需重复导入', 'PACKAGE_NOT_NEWER');
  });

  it('duplicate entry names', async () => {
    const bytes = await reforged((entries) => [...entries, { name: 'ROOMS/11003001.json', data: Buffer.from('{}') }]);
    await expectRefused(bytes, '数据包中文件名“ROOMS/11003001.json”重复出现，数据包可能被篡改，请重新获取', 'PACKAGE_ENTRY_DUPLICATE');
  });

  const unsafeNames: [string, string, string][] = [
    ['..', '../../evil.json', '包含上级目录 ..'],
    ['an absolute path', '/etc/evil.json', '是绝对路径'],
    ['a drive letter', 'C:/Windows/evil.json', '包含盘符'],
    ['a backslash', 'rooms\\..\\evil.json', '包含反斜杠 \\'],
  ];
  for (const [what, name, why] of unsafeNames) {
    it(`an unsafe entry name: ${what}`, async () => {
      const bytes = await reforged((entries) => [...entries, { name, data: Buffer.from('{}') }]);
      await expectRefused(bytes, `数据包中的文件“${name}”${why}，不安全，已拒绝整个数据包；请使用监控平台下发的原始数据包`, 'PACKAGE_ENTRY_UNSAFE');
    });
  }

  it('a link entry', async () => {
    const bytes = await reforged((entries) => [...entries, { name: 'vendor/link.json', data: Buffer.from('/etc/passwd'), method: 0, unixMode: 0o120777 }]);
    await expectRefused(bytes, '数据包中的文件“vendor/link.json”是链接或特殊文件，不安全，已拒绝整个数据包；请使用监控平台下发的原始数据包', 'PACKAGE_ENTRY_UNSAFE');
  });

  it('too many entries', async () => {
    const bytes = await reforged((entries) => [
      ...entries,
      ...Array.from({ length: DEFAULT_PACKAGE_LIMITS.maxEntries }, (_, i) => ({ name: `vendor/x/${i}.json`, data: Buffer.alloc(0), method: 0 as const })),
    ]);
    await expectRefused(bytes, /^数据包包含 \d+ 个文件，超过上限 4096 个，不是有效的考场数据包；请使用监控平台下发的原始数据包$/, 'PACKAGE_TOO_MANY_ENTRIES');
  });

  it('an entry over the size cap (declared size, nothing inflated)', async () => {
    const huge = 200 * 1024 * 1024;
    const bytes = await reforged((entries) => [...entries, { name: 'vendor/big.bin', data: Buffer.from('x'), method: 0, declaredSize: huge, declaredCompressedSize: huge }]);
    await expectRefused(bytes, '数据包中的文件“vendor/big.bin”大小 200 MB 超过单个文件上限 128 MB，不是有效的考场数据包；请使用监控平台下发的原始数据包', 'PACKAGE_ENTRY_TOO_LARGE');
  });

  it('a total size over the cap', async () => {
    const each = 120 * 1024 * 1024;
    const bytes = await reforged((entries) => [
      ...entries,
      ...[1, 2, 3, 4, 5].map((i) => ({ name: `vendor/part${i}.bin`, data: Buffer.from('x'), method: 0 as const, declaredSize: each, declaredCompressedSize: each })),
    ]);
    await expectRefused(bytes, '数据包解压后总大小超过上限 512 MB，不是有效的考场数据包；请使用监控平台下发的原始数据包', 'PACKAGE_TOO_LARGE');
  });

  it('a zip bomb (compression ratio)', async () => {
    const bytes = await reforged((entries) => [...entries, { name: 'vendor/bomb.bin', data: Buffer.alloc(20 * 1024 * 1024) }]);
    await expectRefused(bytes, /^数据包中的文件“vendor\/bomb\.bin”压缩比异常（\d+:1），疑似“zip 炸弹”，已拒绝；请使用监控平台下发的原始数据包$/, 'PACKAGE_ZIP_BOMB');
  });

  it('a zip bomb that lies about its size', async () => {
    const bytes = await reforged((entries) =>
      entries.map((e) => (e.name === 'manifest.json' ? { name: e.name, data: Buffer.alloc(8 * 1024 * 1024, 0x20), declaredSize: 60 * 1024 } : e)),
    );
    await expectRefused(bytes, '数据包中的文件“manifest.json”解压后超过其声明的大小，疑似“zip 炸弹”，已拒绝；请使用监控平台下发的原始数据包', 'PACKAGE_ZIP_BOMB');
  });

  it('a file listed in the manifest is missing', async () => {
    const pkg = await buildPackage(h.key, newer, { editFiles: (files) => files.delete('content/session-2.bin') });
    await expectRefused(pkg.bytes, '数据包缺少清单中列出的文件 content/session-2.bin，数据包不完整，请重新获取', 'PACKAGE_FILE_MISSING');
  });

  it('a file not listed in the manifest', async () => {
    const pkg = await buildPackage(h.key, newer, { extraFiles: [{ name: 'rooms/11003099.json', bytes: Buffer.from('{}'), listed: false }] });
    await expectRefused(pkg.bytes, '数据包中的文件 rooms/11003099.json 不在清单中，数据包可能被篡改，请使用监控平台下发的原始数据包', 'PACKAGE_FILE_UNLISTED');
  });

  it('a signed manifest that breaks the schema', async () => {
    const pkg = await buildPackage(h.key, newer, {
      editManifest: (m) => {
        (m as { formatVersion: number }).formatVersion = 2;
      },
    });
    await expectRefused(pkg.bytes, '数据包清单 manifest.json 内容错误：formatVersion：数据包格式版本不受支持（本系统支持第 1 版）', 'PACKAGE_MANIFEST_INVALID');
  });

  it('a signed room file whose candidate takes a subject of another session', async () => {
    const tampered = await buildPackage(h.key, newer, {
      editManifest: (m) => {
        m.sessions[0]!.subjects = [{ code: 'OTHER', name: '其他科目' }];
      },
    });
    await expectRefused(tampered.bytes, /^考场文件 rooms\/11003001\.json 内容错误：考生 \d+ 的科目 \S+ 不属于场次 1$/, 'PACKAGE_ROOM_INVALID');
  });

  // Issue 10 point 11: each manifest check with an input only it refuses (exact message and code).
  const manifestChecks: { what: string; edit: NonNullable<NonNullable<Parameters<typeof buildPackage>[2]>['editManifest']>; message: string }[] = [
    { what: 'a room of another site', edit: (m) => void (m.rooms[0]!.roomCode = '11004001'), message: '数据包清单中考场代码 11004001 不属于考点 11003' },
    { what: 'a room listed twice', edit: (m) => void m.rooms.push({ ...m.rooms[0]! }), message: '数据包清单中考场代码 11003001 重复' },
    { what: 'a session listed twice', edit: (m) => void m.sessions.push({ ...m.sessions[0]! }), message: '数据包清单中场次 1 重复' },
    { what: 'a file listed twice', edit: (m) => void m.files.push({ ...m.files[0]! }), message: `数据包清单中文件 ${'${name}'} 重复列出` },
  ];
  for (const c of manifestChecks) {
    it(`a signed manifest with ${c.what}`, async () => {
      let listedTwice = '';
      const pkg = await buildPackage(h.key, newer, {
        editManifest: (m) => {
          listedTwice = m.files[0]!.name;
          c.edit(m);
        },
      });
      await expectRefused(pkg.bytes, c.message.replace('${name}', listedTwice), 'PACKAGE_MANIFEST_INVALID');
    });
  }

  it('a signed manifest listing a room file (or session file) its room (session) list leaves out (found by the fuzzer)', async () => {
    const noRoom = await buildPackage(h.key, newer, { editManifest: (m) => void m.rooms.splice(2, 1) });
    await expectRefused(noRoom.bytes, '数据包清单列出了考场文件 rooms/11003003.json，但考场列表中没有该考场', 'PACKAGE_MANIFEST_INVALID');
    const noSession = await buildPackage(h.key, newer, { editManifest: (m) => void m.sessions.splice(1, 1) });
    await expectRefused(noSession.bytes, /^数据包清单列出了试题文件 content\/session-2\.bin，但场次列表中没有该场次$|场次 2/, 'PACKAGE_MANIFEST_INVALID');
  });

  // Issue 10 point 11: the entry checks before the signature, each with an input only it refuses.
  for (const missing of ['manifest.json', 'manifest.sig']) {
    it(`no ${missing} entry`, async () => {
      const bytes = await reforged((entries) => entries.filter((e) => e.name !== missing));
      await expectRefused(bytes, `数据包缺少 ${missing}，不是有效的考场数据包，请使用监控平台下发的原始数据包`, 'PACKAGE_MANIFEST_MISSING');
    });
  }

  // Just over each cap, otherwise genuine: the manifest padded with JSON whitespace to 4 MiB + 1
  // and signed again (so only the size check can refuse it), the signature padded to 4 KiB + 1.
  // Both stored uncompressed, so the zip-bomb ratio check does not refuse them first.
  const padTo = (data: Buffer, size: number): Buffer => Buffer.concat([data, Buffer.alloc(size - data.length, 0x20)]);
  it('a signed manifest.json one byte over its size cap', async () => {
    const bytes = await reforged((entries) => {
      const manifest = padTo(entries.find((e) => e.name === 'manifest.json')!.data, 4 * 1024 * 1024 + 1);
      const sig = { v: 1, alg: 'Ed25519', keyId: h.key.keyId, sig: signBytes(manifest, h.key.privateKeyPem).toString('base64') };
      return entries.map((e) =>
        e.name === 'manifest.json' ? { ...e, method: 0, data: manifest } : e.name === 'manifest.sig' ? { ...e, data: Buffer.from(JSON.stringify(sig)) } : e,
      );
    });
    await expectRefused(bytes, '数据包清单或签名文件过大，不是有效的考场数据包', 'PACKAGE_MANIFEST_INVALID');
  });

  it('a manifest.sig one byte over its size cap', async () => {
    const bytes = await reforged((entries) => entries.map((e) => (e.name === 'manifest.sig' ? { ...e, method: 0, data: padTo(e.data, 4 * 1024 + 1) } : e)));
    await expectRefused(bytes, '数据包清单或签名文件过大，不是有效的考场数据包', 'PACKAGE_MANIFEST_INVALID');
  });

  it('a signed manifest listing a room whose file it does not list', async () => {
    const pkg = await buildPackage(h.key, newer, {
      editManifest: (m) => void (m.files = m.files.filter((f) => f.name !== 'rooms/11003002.json')),
      editFiles: (files) => files.delete('rooms/11003002.json'),
    });
    await expectRefused(pkg.bytes, '数据包清单没有列出考场 11003002 的文件 rooms/11003002.json', 'PACKAGE_MANIFEST_INVALID');
  });

  it('a signed manifest listing a session whose question file it does not list', async () => {
    const pkg = await buildPackage(h.key, newer, {
      editManifest: (m) => void (m.files = m.files.filter((f) => f.name !== 'content/session-2.bin')),
      editFiles: (files) => files.delete('content/session-2.bin'),
    });
    await expectRefused(pkg.bytes, '数据包清单没有列出场次 2 的试题文件 content/session-2.bin', 'PACKAGE_MANIFEST_INVALID');
  });

  it('a package before the site code is set', async () => {
    const fresh = await startLoadHarness({ siteCode: null, key: h.key });
    try {
      const snap = await fresh.snapshot();
      const pkg = await buildPackage(h.key, { siteCode: SITE });
      const r = await fresh.importZip(pkg.bytes);
      expect(r.status).to.equal(422);
      expect((r.body as ErrorBody).error.message).to.equal('请先在参数设置中填写考点代码');
      expect(await fresh.snapshot()).to.equal(snap);
    } finally {
      await fresh.stop();
    }
  });

  it('a wrong content type', async () => {
    const pkg = await buildPackage(h.key, newer);
    const r = await h.client.post<ErrorBody>('/api/load/import', pkg.bytes, { 'content-type': 'application/pdf' });
    expect(r.status).to.equal(415);
    expect(r.body.error.message).to.equal('上传内容类型应为 application/zip 或 application/x-zip-compressed，收到的是 application/pdf');
    expect(await h.snapshot()).to.equal(stored);
  });

  it('still accepts the genuine newer package afterwards (the refusals were not a broken import)', async () => {
    const pkg = await buildPackage(h.key, newer);
    const r = await h.importZip(pkg.bytes);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(await h.snapshot()).to.not.equal(stored);
  });
});
