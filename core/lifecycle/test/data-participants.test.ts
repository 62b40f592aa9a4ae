import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { definePlugin, type PluginDefinition } from '../../kernel/plugin';
import { coreServices } from '../../services';
import { SettingRow } from '../../store/core-entities';
import { TestClient } from '../../testing/http-client';
import { startTestServer, type TestServer } from '../../testing/test-server';

/** What the test plugin saw, across boots of the same process. */
interface NotesProbe {
  inits: number;
  cleared: string[];
  afterClear: number;
  failClear: boolean;
  held: string[];
}

/** A plugin that keeps one setting row and one file, and takes part in the data lifecycle. */
function notesPlugin(probe: NotesProbe): PluginDefinition {
  return definePlugin({
    manifest: { id: 'notes', version: '1.0.0', host: '^0.1.0', displayName: '测试笔记' },
    register(env) {
      env.registerInit({
        deps: { participation: coreServices.dataParticipation, files: coreServices.files },
        init({ participation, files }) {
          probe.inits += 1;
          const folder = path.join(files.dir, 'notes');
          fs.mkdirSync(folder, { recursive: true });
          let queue: Promise<unknown> = Promise.resolve();
          participation.participate({
            label: '测试笔记',
            folders: [folder],
            hold: (work) => {
              probe.held.push('hold');
              const r = queue.then(work);
              queue = r.catch(() => undefined);
              return r;
            },
            clear: async (em, actor) => {
              probe.cleared.push(actor);
              await em.delete(SettingRow, ['note']);
              if (probe.failClear) throw new Error('clear failed on purpose');
            },
            afterClear: () => {
              probe.afterClear += 1;
            },
          });
        },
      });
    },
  });
}

async function settingKeys(server: TestServer): Promise<string[]> {
  return (await server.store.manager.find(SettingRow)).map((r) => r.key).sort();
}

describe('data participants (issue 9 point 5): initialization through every participant, restart in process', function () {
  this.timeout(30_000);
  let server: TestServer;
  let probe: NotesProbe;
  let admin: TestClient;

  beforeEach(async () => {
    probe = { inits: 0, cleared: [], afterClear: 0, failClear: false, held: [] };
    server = await startTestServer({ plugins: [notesPlugin(probe)] });
    admin = new TestClient(server.url);
    await admin.login();
    expect((await admin.put('/api/settings', { siteCode: '11003', mode: 'mock' })).status).to.equal(200);
    await server.store.write((em) => em.save(SettingRow, { key: 'note', value: 'x', updatedAt: new Date().toISOString() }));
  });
  afterEach(async () => {
    await server?.stop();
  });

  it('clears every participant (the host settings and the plugin) in one unit of work, behind each one\'s hold', async () => {
    const participants = await server.kernel.get(coreServices.dataParticipants);
    expect(participants.list().map((p) => p.owner)).to.deep.equal(['core', 'notes']);
    expect(participants.folders()).to.deep.equal(['plugins/notes/notes']);
    await participants.clearAll('admin');
    expect(probe.held).to.deep.equal(['hold']);
    expect(probe.cleared).to.deep.equal(['admin']);
    expect(probe.afterClear).to.equal(1);
    expect(await settingKeys(server)).to.deep.equal([]);
    expect((await admin.get<{ siteCode: string | null }>('/api/settings')).body.siteCode).to.equal(null);
  });

  it('a participant that fails rolls back every other participant\'s clear (old state kept, no afterClear)', async () => {
    probe.failClear = true;
    const participants = await server.kernel.get(coreServices.dataParticipants);
    let failure: unknown = null;
    await participants.clearAll('admin').catch((e: unknown) => (failure = e));
    expect(failure).to.be.instanceOf(Error);
    expect(await settingKeys(server)).to.deep.equal(['mode', 'note', 'siteCode']);
    expect(probe.afterClear).to.equal(0);
    expect((await admin.get<{ siteCode: string | null }>('/api/settings')).body.siteCode).to.equal('11003');
  });

  it('restarts in process on the same port: stopped while the step runs (database closed), plugins started again', async () => {
    const port = server.port;
    const firstKernel = server.kernel;
    const dbFile = path.join(server.dataDir, 'examsite.sqlite');
    let sawClosed = false;
    await server.control.restart({
      whileStopped: async () => {
        sawClosed = !server.store.dataSource.isInitialized;
        // Nothing holds the database now: it can be swapped (here: moved away and back).
        fs.renameSync(dbFile, `${dbFile}.aside`);
        fs.renameSync(`${dbFile}.aside`, dbFile);
      },
    });
    expect(sawClosed).to.equal(true);
    expect(server.restarts).to.equal(1);
    expect(server.port).to.equal(port);
    expect(server.kernel).to.not.equal(firstKernel);
    expect(probe.inits).to.equal(2);
    // The data survived and the admin session (in the database) still works.
    expect((await admin.get<{ siteCode: string | null }>('/api/settings')).body.siteCode).to.equal('11003');
    const participants = await server.kernel.get(coreServices.dataParticipants);
    expect(participants.list().map((p) => p.owner)).to.deep.equal(['core', 'notes']);
  });

  it('exit stops the host and calls onExit; the stop guard is asked first and forgotten at restart', async () => {
    server.control.setStopGuard(async () => ['第 1 场考试结果尚未上报']);
    expect(await server.control.stopBlockers()).to.deep.equal(['第 1 场考试结果尚未上报']);
    await server.control.restart();
    expect(await server.control.stopBlockers()).to.deep.equal([]);
    await server.control.exit();
    const refused = await admin.get('/api/settings').catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(Error);
  });
});
