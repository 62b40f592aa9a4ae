import fs from 'node:fs';
import path from 'node:path';
import type { PluginDefinition } from '../../../core/kernel/plugin';
import { makeTempDir } from '../../../core/testing/test-server';
import { generateWrappingKeyPair, type WrappingKeyPair } from '../../../core/crypto/wrap';
import { ProctorClient } from '../../sim/proctor/proctor-client';
import { subjectsOfSession, writeResultPackage, type ResultPackageSpec, type WrittenResultPackage } from '../../sim/proctor/result-package';
import { buildPackage, newCentreKey, startSite, type RunningSite } from '../registration/site-harness';
import { createCollectionPlugin } from '../../../plugins/collection/server/plugin';

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
  readonly mode?: 'formal' | 'mock';
  /** More plugins (e.g. 系统管理 for backup and initialization tests). */
  readonly extraPlugins?: readonly PluginDefinition[];
  /** Copies this data folder's soft dongle first ("the same dongle on a new PC"). */
  readonly dongleFrom?: string;
}

/** load + registration + collection with a package that carries the centre's result key. */
export async function startCollectionSite(options: CollectionSiteOptions = {}): Promise<CollectionSite> {
  const key = newCentreKey();
  const centreResultKey = generateWrappingKeyPair();
  const mode = options.mode ?? 'mock';
  const pkg = await buildPackage(key, { mode, resultEncryptionKey: centreResultKey.publicKey, ...(options.rooms ? { rooms: options.rooms } : {}) });
  // A folder of our own only to put the dongle in first (the caller removes it); else the test server's.
  const dataDir = options.dataDir ?? (options.dongleFrom ? makeTempDir('examsite-collection-') : undefined);
  if (options.dongleFrom && dataDir) fs.copyFileSync(path.join(options.dongleFrom, 'soft-dongle.json'), path.join(dataDir, 'soft-dongle.json'));
  const site = await startSite({ key, pkg, mode, dataDir, extraPlugins: [createCollectionPlugin(), ...(options.extraPlugins ?? [])] });
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
          mode,
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
