import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { VerifiedBackups } from './backup-service';

const listSchema = z.record(z.string().max(2000), z.number().int().nonnegative());

/** The backups read back and checked on this PC (path → size), kept in the plugin's folder. */
export class VerifiedBackupsFile implements VerifiedBackups {
  private readonly entries: Map<string, number>;

  constructor(private readonly file: string) {
    let parsed: Record<string, number> = {};
    try {
      parsed = listSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
    } catch {
      // Missing or unreadable: nothing is known verified, the list says 未校验.
    }
    this.entries = new Map(Object.entries(parsed));
  }

  has(file: string, size: number): boolean {
    return this.entries.get(file) === size;
  }

  add(file: string, size: number): void {
    this.entries.set(file, size);
    const tmp = `${this.file}.tmp`;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.entries)));
    fs.renameSync(tmp, this.file);
  }
}
