import path from 'node:path';
import { generateWrappingKeyPair, type WrappingKeyPair } from '../../../core/crypto/wrap';
import { ProctorClient } from '../../../test/sim/proctor/proctor-client';
import { subjectsOfSession, writeResultPackage, type ResultPackageSpec, type WrittenResultPackage } from '../../../test/sim/proctor/result-package';
import { buildPackage, newCentreKey, startSite, type RunningSite } from '../../registration/test/site-harness';
import { createCollectionPlugin } from '../server/plugin';

export const ROOM1 = '11003001';
export const ROOM2 = '11003002';

export interface CollectionSite {
  readonly site: RunningSite;
  readonly centreResultKey: WrappingKeyPair;
  /** A registered proctor of `roomCode` (its client holds the signing key). */
  proctor(roomCode: string): Promise<ProctorClient>;
  /** A valid package of the proctor's room and session, written to the test folder. */
  writePackage(proctor: ProctorClient, sessionNo: number, over?: Partial<ResultPackageSpec> & { absent?: string[]; name?: string }): Promise<WrittenResultPackage>;
  stop(): Promise<void>;
}

export interface CollectionSiteOptions {
  readonly dataDir?: string;
  readonly rooms?: number;
}

/** load + registration + collection with a package that carries the centre's result key. */
export async function startCollectionSite(options: CollectionSiteOptions = {}): Promise<CollectionSite> {
  const key = newCentreKey();
  const centreResultKey = generateWrappingKeyPair();
  const pkg = await buildPackage(key, { resultEncryptionKey: centreResultKey.publicKey, ...(options.rooms ? { rooms: options.rooms } : {}) });
  const site = await startSite({ key, pkg, dataDir: options.dataDir, extraPlugins: [createCollectionPlugin()] });
  let n = 0;
  return {
    site,
    centreResultKey,
    async proctor(roomCode) {
      const p = new ProctorClient(site.url);
      await p.register({ roomCode, registrationCode: await site.code(roomCode), machineId: `pc-${roomCode}`, clientVersion: '1.0.0' });
      return p;
    },
    async writePackage(proctor, sessionNo, over = {}) {
      const creds = proctor.credentials!;
      const room = await proctor.room();
      return writeResultPackage(
        {
          siteCode: room.siteCode,
          mode: 'mock',
          roomCode: creds.roomCode,
          sessionNo,
          registrationId: creds.registrationId,
          signingPrivateKeyPem: creds.signingPrivateKeyPem!,
          centreResultKey: room.resultEncryptionKey!,
          subjects: subjectsOfSession(room, sessionNo, new Set(over.absent ?? [])),
          answerBytes: 2048,
          ...over,
        },
        path.join(site.server.dataDir, 'proctor-out', over.name ?? `pkg-${++n}.zip`),
      );
    },
    stop: () => site.stop(),
  };
}
