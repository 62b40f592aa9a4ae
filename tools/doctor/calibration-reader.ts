import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import type { ExamSiteConfig } from '../../core/config/config';

/** The key core/host/trust-services.ts stores the last calibration under. */
const CALIBRATION_KEY = 'clock.lastCalibration';

const calibrationRecordSchema = z.object({ at: z.string(), source: z.string(), tokenTime: z.iso.datetime({ offset: true }), dongleId: z.string() });

export type LastCalibration =
  | { kind: 'found'; record: z.output<typeof calibrationRecordSchema> }
  | { kind: 'none' }
  | { kind: 'unreadable'; reason: string };

/** Reads the stored last calibration from the SQLite database, opened read-only. */
export function readLastCalibration(cfg: ExamSiteConfig): LastCalibration {
  if (cfg.databaseUrl.startsWith('postgres')) return { kind: 'unreadable', reason: '数据库为 PostgreSQL，本工具不读取其中的校时记录' };
  const file = cfg.databaseUrl.startsWith('sqlite:') ? path.resolve(cfg.databaseUrl.slice('sqlite:'.length)) : path.join(cfg.dataDir, 'examsite.sqlite');
  if (!fs.existsSync(file)) return { kind: 'none' };
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const row = db.prepare('SELECT value FROM core_setting WHERE key = ?').get(CALIBRATION_KEY) as { value: string } | undefined;
    if (!row) return { kind: 'none' };
    const parsed = calibrationRecordSchema.safeParse(JSON.parse(row.value));
    return parsed.success ? { kind: 'found', record: parsed.data } : { kind: 'unreadable', reason: '数据库中的校时记录格式无效' };
  } catch (e) {
    return { kind: 'unreadable', reason: `无法读取数据库 ${file}：${(e as Error).message}` };
  } finally {
    db?.close();
  }
}
