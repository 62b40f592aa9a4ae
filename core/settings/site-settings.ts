import { z } from 'zod';
import { SettingRow } from '../store/core-entities';
import type { Store } from '../store/store';
import { conflict } from '../http/errors';
import type { DataParticipant } from '../lifecycle/data-participants';

import type { ExamMode } from './exam-mode';

export { MODE_LABEL, type ExamMode } from './exam-mode';

export const siteCodeSchema = z.string().regex(/^\d{5}$/, '考点代码必须是 5 位数字，如 11003');
export const examModeSchema = z.enum(['formal', 'mock'], { message: '考试模式只能是 正式考试(formal) 或 模拟考试(mock)' });

export interface SiteSettingsValue {
  readonly siteCode: string | null;
  readonly mode: ExamMode;
}

/** A plugin that holds mode-specific data may refuse a mode change (R9.6): returns the reason. */
export type ModeChangeGuard = (from: ExamMode, to: ExamMode) => Promise<string | null>;

/**
 * Site code and exam mode (R1.3, R9.6). The site code is set once; only initialization
 * clears it. Cached in memory: it is read on every request.
 */
export class SiteSettings {
  private value: SiteSettingsValue = { siteCode: null, mode: 'mock' };
  private readonly guards: ModeChangeGuard[] = [];
  private readonly listeners = new Set<(v: SiteSettingsValue) => void>();

  constructor(private readonly store: Store) {}

  async load(): Promise<void> {
    const rows = await this.store.manager.find(SettingRow);
    const map = new Map(rows.map((r) => [r.key, r.value]));
    const mode = map.get('mode');
    this.value = { siteCode: map.get('siteCode') ?? null, mode: mode === 'formal' ? 'formal' : 'mock' };
  }

  get(): SiteSettingsValue {
    return this.value;
  }

  addModeChangeGuard(guard: ModeChangeGuard): void {
    this.guards.push(guard);
  }

  onChange(listener: (v: SiteSettingsValue) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async update(next: { siteCode: string; mode: ExamMode }): Promise<SiteSettingsValue> {
    const cur = this.value;
    if (cur.siteCode !== null && cur.siteCode !== next.siteCode) {
      throw conflict('SITE_CODE_LOCKED', `考点代码已设置为 ${cur.siteCode}，不能修改；如确需更改，请使用“系统初始化”`);
    }
    if (cur.siteCode !== null && cur.mode !== next.mode) {
      for (const guard of this.guards) {
        const reason = await guard(cur.mode, next.mode);
        if (reason) throw conflict('MODE_CHANGE_REFUSED', reason);
      }
    }
    const now = new Date().toISOString();
    const value: SiteSettingsValue = { siteCode: next.siteCode, mode: next.mode };
    await this.store.write(async (em) => {
      await em.save(SettingRow, [
        { key: 'siteCode', value: next.siteCode, updatedAt: now },
        { key: 'mode', value: next.mode, updatedAt: now },
      ]);
      // Joined to a caller's unit of work, the cached value follows only its commit.
      this.store.afterCommit(() => {
        this.value = value;
        this.notify();
      });
    });
    return value;
  }

  /** Initialization (R9.3): forget the site code and mode; the password stays. */
  dataParticipant(): DataParticipant {
    return {
      label: '考点设置',
      clear: async (em) => {
        await em.delete(SettingRow, ['siteCode', 'mode']);
      },
      afterClear: () => {
        this.value = { siteCode: null, mode: 'mock' };
        this.notify();
      },
    };
  }

  /** The change is committed already: a failing listener must not turn it into an error. */
  private notify(): void {
    for (const l of this.listeners) {
      try {
        l(this.value);
      } catch {
        // listeners log their own problems
      }
    }
  }
}
