import fs from 'node:fs';
import path from 'node:path';
import { sha256Hex } from '../../../core/crypto/hash';
import { centreKeysValue, loadOrCreateCentreKeys } from './centre-keys';
import { ROOM_STATUS_KIND, type RoomStatusPayload } from '../../../plugins/monitor/api/centre-reports';
import type { BuiltPackage, CentreSigningKey, SimDongle, SimIncidentRecord, SimPublishedRelease, SimReportRecord, SimUploadRecord } from './sim-types';

/**
 * Everything the simulated centre knows, as files under `<data>/`, so that CLI commands
 * and a running server agree:
 *
 *   centre-keys.json                    signing keys
 *   dongles.json                        dongle registry (机考锁注册)
 *   packages/<site>-<mode>/package.zip  published package
 *   packages/<site>-<mode>/release.json its release info, session keys and windows
 *   reports.jsonl                       every report POST (duplicates included)
 *   uploads/<id>.json|.part|.bin        resumable uploads
 *
 * Packages and dongles are re-read on every request (the CLI may change them while the
 * server runs); reports and uploads belong to the server process.
 */
/** siteCode of a dongle registered from the CLI without --site: valid for every site. */
export const ANY_SITE = '*';

export class CentreSimState {
  readonly keys: CentreSigningKey[];
  private reportIndex: Map<string, SimReportRecord> | null = null;

  constructor(readonly dataDir: string) {
    fs.mkdirSync(dataDir, { recursive: true });
    this.keys = loadOrCreateCentreKeys(dataDir);
  }

  get signingKey(): CentreSigningKey {
    return this.keys[0] as CentreSigningKey;
  }

  /** The value for EXAMSITE_CENTRE_KEYS. */
  get keysValue(): string {
    return centreKeysValue(this.keys);
  }

  // ---- dongles --------------------------------------------------------------------------

  dongles(): Record<string, SimDongle> {
    return readJson<Record<string, SimDongle>>(path.join(this.dataDir, 'dongles.json')) ?? {};
  }

  dongle(id: string): SimDongle | null {
    return this.dongles()[id] ?? null;
  }

  /** Registers a dongle; the same keys again are a no-op, other keys for a known id a conflict. */
  registerDongle(d: Omit<SimDongle, 'registeredAt'>): { dongle: SimDongle; created: boolean } | { conflict: SimDongle } {
    const all = this.dongles();
    const known = all[d.id];
    if (known) {
      if (known.signingPublicKey === d.signingPublicKey && known.wrappingPublicKey === d.wrappingPublicKey && known.siteCode === d.siteCode) {
        return { dongle: known, created: false };
      }
      return { conflict: known };
    }
    const dongle: SimDongle = { ...d, registeredAt: new Date().toISOString() };
    writeJsonAtomic(path.join(this.dataDir, 'dongles.json'), { ...all, [d.id]: dongle });
    return { dongle, created: true };
  }

  // ---- packages -------------------------------------------------------------------------

  private packageDir(siteCode: string, mode: string): string {
    return path.join(this.dataDir, 'packages', `${siteCode}-${mode}`);
  }

  /** Stores a built package as the current release of its site and mode. */
  savePublished(built: BuiltPackage): SimPublishedRelease {
    const dir = this.packageDir(built.siteCode, built.mode);
    fs.mkdirSync(dir, { recursive: true });
    const release: SimPublishedRelease = {
      siteCode: built.siteCode,
      mode: built.mode,
      releaseTime: built.releaseTime,
      manifestSha256: built.manifestSha256,
      sha256: sha256Hex(built.bytes),
      size: built.bytes.length,
      sessionKeys: built.sessionKeys,
      sessions: built.sessions,
      roomCodes: built.roomCodes,
      publishedAt: new Date().toISOString(),
    };
    // Package first, release.json last: a reader never sees a release without its bytes.
    writeFileAtomic(path.join(dir, 'package.zip'), built.bytes);
    writeJsonAtomic(path.join(dir, 'release.json'), release);
    return release;
  }

  release(siteCode: string, mode: string): SimPublishedRelease | null {
    return readJson<SimPublishedRelease>(path.join(this.packageDir(siteCode, mode), 'release.json'));
  }

  packageBytes(siteCode: string, mode: string): Buffer | null {
    const file = path.join(this.packageDir(siteCode, mode), 'package.zip');
    return fs.existsSync(file) ? fs.readFileSync(file) : null;
  }

  // ---- reports --------------------------------------------------------------------------

  private reportsIndex(): Map<string, SimReportRecord> {
    if (this.reportIndex) return this.reportIndex;
    const index = new Map<string, SimReportRecord>();
    const file = path.join(this.dataDir, 'reports.jsonl');
    if (fs.existsSync(file)) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          const r = JSON.parse(line) as Omit<SimReportRecord, 'receivedCount'>;
          const prev = index.get(r.idempotencyKey);
          index.set(r.idempotencyKey, prev ? { ...prev, receivedCount: prev.receivedCount + 1 } : { ...r, receivedCount: 1 });
        } catch {
          // a line cut by a crash of the simulator: ignore it
        }
      }
    }
    this.reportIndex = index;
    return index;
  }

  /** Records one POST of a report; the first receipt of a key is what counts. */
  recordReport(r: Omit<SimReportRecord, 'receivedAt' | 'receivedCount'>): { record: SimReportRecord; duplicate: boolean } {
    const index = this.reportsIndex();
    const receivedAt = new Date().toISOString();
    fs.appendFileSync(path.join(this.dataDir, 'reports.jsonl'), `${JSON.stringify({ ...r, receivedAt })}\n`);
    const prev = index.get(r.idempotencyKey);
    const record: SimReportRecord = prev ? { ...prev, receivedCount: prev.receivedCount + 1 } : { ...r, receivedAt, receivedCount: 1 };
    index.set(r.idempotencyKey, record);
    return { record, duplicate: prev !== undefined };
  }

  reports(kind?: string): SimReportRecord[] {
    return [...this.reportsIndex().values()].filter((r) => !kind || r.kind === kind);
  }

  /** The incidents carried by the room status reports (each report repeats the earlier ones). */
  incidents(): SimIncidentRecord[] {
    const byId = new Map<string, SimIncidentRecord>();
    for (const r of this.reports(ROOM_STATUS_KIND)) {
      for (const room of (r.payload as RoomStatusPayload).rooms) {
        for (const i of room.incidents) {
          const key = `${r.siteCode}:${i.id}`;
          if (!byId.has(key)) byId.set(key, { siteCode: r.siteCode, roomCode: room.roomCode, ...i, firstReportedIn: r.idempotencyKey });
        }
      }
    }
    return [...byId.values()].sort((a, b) => a.id - b.id);
  }

  // ---- uploads --------------------------------------------------------------------------

  get uploadsDir(): string {
    const dir = path.join(this.dataDir, 'uploads');
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  upload(id: string): SimUploadRecord | null {
    return readJson<SimUploadRecord>(path.join(this.uploadsDir, `${id}.json`));
  }

  saveUpload(record: SimUploadRecord): void {
    writeJsonAtomic(path.join(this.uploadsDir, `${record.uploadId}.json`), record);
  }

  uploads(): SimUploadRecord[] {
    return fs
      .readdirSync(this.uploadsDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => readJson<SimUploadRecord>(path.join(this.uploadsDir, f)))
      .filter((r): r is SimUploadRecord => r !== null)
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

export function writeFileAtomic(file: string, data: Buffer | string): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2));
}
