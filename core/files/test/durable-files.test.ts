import 'reflect-metadata';
import { expect } from 'chai';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../../store/store';
import { AppError } from '../../http/errors';
import { sha256File } from '../../crypto/hash';
import { waitFor } from '../../testing/wait-for';
import { DurableFileStore } from '../durable-file-store';
import { writeFileDurably, DURABLE_TEMP_SUFFIX } from '../write-durably';
import { patternBytes, patternChunks, patternSha256 } from './file-pattern';

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected a rejection');
}

describe('core/files: durable, resumable, hashed sinks (issue 9 point 4)', function () {
  this.timeout(30_000);
  let dataDir: string;
  let store: Store;
  let files: DurableFileStore;

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-files-'));
    store = await Store.open({ dataDir, databaseUrl: '', schema: { entities: [], migrations: [] } });
    files = await DurableFileStore.openAt(path.join(dataDir, 'plugins', 'test'), store);
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('appends in pieces from the reported offset, verifies the hash and commits by rename', async () => {
    const size = 3 * 1024 * 1024 + 17;
    const sink = await files.begin('up-1', { size, sha256: patternSha256(size) });
    expect(sink.offset).to.equal(0);
    await sink.append(patternChunks(0, 1_000_000), 0);
    expect(sink.offset).to.equal(1_000_000);
    expect(sink.complete).to.equal(false);
    const again = await files.begin('up-1', { size, sha256: patternSha256(size) });
    expect(again.offset).to.equal(1_000_000);
    await again.append(patternChunks(1_000_000, size), again.offset);
    expect(again.complete).to.equal(true);
    const committed = await again.commit('results/a.bin', async (_em, finalPath) => finalPath);
    expect(committed).to.equal(files.pathOf('results/a.bin'));
    expect(await sha256File(committed)).to.equal(patternSha256(size));
    expect(await files.find('up-1')).to.equal(null);
  });

  it('refuses a wrong offset and more bytes than declared, keeping what it had', async () => {
    const size = 100_000;
    const sink = await files.begin('up-2', { size, sha256: patternSha256(size) });
    await sink.append(patternChunks(0, 40_000), 0);
    const wrong = await rejection(sink.append(patternChunks(0, 10), 0));
    expect(wrong.status).to.equal(409);
    expect(wrong.message).to.match(/续传位置 0 与考点已保存的 40000 字节不一致/);
    const tooLong = await rejection(sink.append([patternBytes(40_000, 70_000)], 40_000));
    expect(tooLong.status).to.equal(413);
    expect(tooLong.message).to.match(/超过声明的文件大小/);
    expect(sink.offset).to.equal(40_000);
    expect(fs.statSync(sink.tempPath).size).to.equal(40_000);
  });

  it('refuses a file whose SHA-256 differs from the declared one and discards it', async () => {
    const size = 50_000;
    const sink = await files.begin('up-3', { size, sha256: patternSha256(size, 99) });
    const e = await rejection(sink.append(patternChunks(0, size), 0));
    expect(e.status).to.equal(422);
    expect(e.code).to.equal('UPLOAD_HASH_MISMATCH');
    expect(e.message).to.match(/SHA-256 与声明的不一致/);
    expect(fs.existsSync(sink.tempPath)).to.equal(false);
    expect(await files.find('up-3')).to.equal(null);
    await rejection(sink.commit('x.bin', async () => 1));
    expect(fs.existsSync(files.pathOf('x.bin'))).to.equal(false);
  });

  it('puts the file back when the unit of work that commits it fails', async () => {
    const size = 10_000;
    const sink = await files.begin('up-4', { size, sha256: patternSha256(size) });
    await sink.append(patternChunks(0, size), 0);
    const failed = sink.commit('results/b.bin', async () => {
      throw new Error('row refused');
    });
    await failed.then(
      () => expect.fail('commit should fail'),
      (e: Error) => expect(e.message).to.equal('row refused'),
    );
    expect(fs.existsSync(files.pathOf('results/b.bin'))).to.equal(false);
    expect(sink.complete).to.equal(true);
    await sink.commit('results/b.bin', async () => undefined);
    expect(fs.existsSync(files.pathOf('results/b.bin'))).to.equal(true);
  });

  it('resumes after the writing process was killed with SIGKILL (real child process)', async () => {
    const size = 6 * 1024 * 1024;
    const sha256 = patternSha256(size);
    const child = spawn(process.execPath, [path.join(__dirname, 'sink-child.js'), dataDir, 'killed', String(size), sha256], { stdio: 'pipe' });
    const part = path.join(dataDir, 'plugins', 'test', '.partial', 'killed.part');
    await waitFor('the child to store 1 MB', () => fs.existsSync(part) && fs.statSync(part).size >= 1024 * 1024, 15_000, 10);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const stored = fs.statSync(part).size;
    expect(stored).to.be.greaterThan(0).and.lessThan(size);

    const restarted = await DurableFileStore.openAt(path.join(dataDir, 'plugins', 'test'), store);
    const sink = await restarted.find('killed');
    expect(sink, 'the partial upload survives the kill').to.not.equal(null);
    expect(sink!.offset).to.equal(stored);
    await sink!.append(patternChunks(sink!.offset, size), sink!.offset);
    expect(sink!.complete).to.equal(true);
    const file = await sink!.commit('results/killed.bin', async (_em, p) => p);
    expect(await sha256File(file)).to.equal(sha256);
  });

  it('sweeps at start what a crash left: durable-write temps and half partials, not resumable uploads', async () => {
    const dir = path.join(dataDir, 'plugins', 'test');
    fs.writeFileSync(path.join(dir, '.tmp', `x.123.abcd${DURABLE_TEMP_SUFFIX}`), 'half');
    fs.writeFileSync(path.join(dir, '.partial', 'lonely.part'), 'no meta');
    const sink = await files.begin('kept', { size: 10, sha256: patternSha256(10) });
    await sink.append([patternBytes(0, 4)], 0);
    const reopened = await DurableFileStore.openAt(dir, store);
    expect(fs.readdirSync(path.join(dir, '.tmp'))).to.deep.equal([]);
    expect(fs.existsSync(path.join(dir, '.partial', 'lonely.part'))).to.equal(false);
    expect((await reopened.find('kept'))?.offset).to.equal(4);
  });

  it('writeFileDurably replaces a file whole and leaves no temp behind', async () => {
    const file = path.join(dataDir, 'out', 'a.json');
    await writeFileDurably(file, '{"v":1}');
    await writeFileDurably(file, '{"v":2}', { mode: 0o600 });
    expect(fs.readFileSync(file, 'utf8')).to.equal('{"v":2}');
    expect(fs.readdirSync(path.dirname(file))).to.deep.equal(['a.json']);
  });

  describe('disk full on a size-capped folder (tmpfs, needs root)', () => {
    let mountDir: string | null = null;

    before(function () {
      if (process.getuid?.() !== 0 || process.platform !== 'linux') {
        // Mounting a 2 MB tmpfs needs root; without it there is no honest way to fill a disk.
        this.skip();
      }
      mountDir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-full-'));
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountDir]);
      } catch {
        fs.rmSync(mountDir, { recursive: true, force: true });
        mountDir = null;
        this.skip();
      }
    });
    after(() => {
      if (!mountDir) return;
      execFileSync('umount', [mountDir]);
      fs.rmSync(mountDir, { recursive: true, force: true });
    });

    it('is a clear Chinese 507, keeps the partial file and resumes once space is freed', async () => {
      const full = await DurableFileStore.openAt(path.join(mountDir!, 'plugins', 'test'), store);
      const filler = path.join(mountDir!, 'filler.bin');
      fs.writeFileSync(filler, Buffer.alloc(1024 * 1024));
      const size = 1536 * 1024;
      const sink = await full.begin('big', { size, sha256: patternSha256(size) });
      const e = await rejection(sink.append(patternChunks(0, size), 0));
      expect(e.status).to.equal(507);
      expect(e.code).to.equal('DISK_FULL');
      expect(e.message).to.match(/磁盘空间不足.*可从中断处续传/);
      const kept = sink.offset;
      expect(kept).to.be.lessThan(size);
      expect(fs.statSync(sink.tempPath).size).to.equal(kept);

      fs.rmSync(filler);
      await sink.append(patternChunks(kept, size), kept);
      expect(sink.complete).to.equal(true);
      const file = await sink.commit('results/big.bin', async (_em, p) => p);
      expect(await sha256File(file)).to.equal(patternSha256(size));
    });

    it('writeFileDurably says so in Chinese and leaves no temp file', async () => {
      fs.rmSync(path.join(mountDir!, 'plugins'), { recursive: true, force: true });
      const filler = path.join(mountDir!, 'filler2.bin');
      fs.writeFileSync(filler, Buffer.alloc(1536 * 1024));
      try {
        const e = await rejection(writeFileDurably(path.join(mountDir!, 'x.bin'), Buffer.alloc(1024 * 1024)));
        expect(e.code).to.equal('DISK_FULL');
        expect(e.message).to.match(/磁盘空间不足/);
        expect(fs.readdirSync(mountDir!).filter((n) => n.endsWith(DURABLE_TEMP_SUFFIX))).to.deep.equal([]);
      } finally {
        fs.rmSync(filler);
      }
    });
  });
});
