import type { Outbox } from '../../../core/centre/outbox';
import type { LiveEvents } from '../../../core/events/live-events';
import type { SiteSettings } from '../../../core/settings/site-settings';
import type { Store } from '../../../core/store/store';
import { sealRunTopic, type SealCheck, type SealItemResult, type SealRunView } from '../api';
import type { RoomResult } from './room-seal-status';
import { SealRunRow } from './seal-run-row';

export const SEAL_REPORT_KIND = 'seal.report';

export interface SealServiceDeps {
  readonly store: Store;
  readonly outbox: Outbox;
  readonly live: LiveEvents;
  readonly settings: SiteSettings;
  /** Trusted time when calibrated, else the PC's. */
  readonly now: () => Promise<Date>;
}


/** 封场检测 (R5): runs every contributed check, stores the run, reports a pass (R5.2). */
export class SealService {
  private checks: readonly SealCheck[] = [];

  constructor(private readonly d: SealServiceDeps) {}

  /** The contributed items, handed over at init once every contribution is built. */
  useChecks(checks: readonly SealCheck[]): void {
    this.checks = checks;
  }

  async run(): Promise<SealRunView> {
    const checks = [...this.checks].sort((a, b) => (a.order ?? 100) - (b.order ?? 100));
    const items: SealItemResult[] = [];
    const rooms = new Map<string, { passed: boolean; reasons: string[] }>();
    for (const check of checks) {
      let outcome;
      try {
        outcome = await check.run();
      } catch (err) {
        outcome = { passed: false, reason: `检测出错：${err instanceof Error ? err.message : String(err)}`, fix: '请稍后重新检测；如仍出错请查看日志' };
      }
      items.push({ id: check.id, title: check.title, passed: outcome.passed, reason: outcome.reason, fix: outcome.passed ? null : (outcome.fix ?? null), fixAt: check.fixAt ?? null, goTo: outcome.passed ? null : (outcome.goTo ?? null) });
      for (const [roomCode, r] of Object.entries(outcome.rooms ?? {})) {
        const entry = rooms.get(roomCode) ?? { passed: true, reasons: [] };
        if (!r.passed) {
          entry.passed = false;
          entry.reasons.push(r.reason ?? check.title);
        }
        rooms.set(roomCode, entry);
      }
    }
    const passed = items.every((i) => i.passed);
    const roomResults: RoomResult[] = [...rooms].map(([roomCode, r]) => ({ roomCode, passed: r.passed, reason: r.passed ? null : r.reasons.join('；') }));
    const ranAt = (await this.d.now()).toISOString();
    const site = this.d.settings.get();
    // The stored result and its report are one unit of work: both or neither (R5.2).
    const saved = await this.d.store.write(async (em) => {
      const row = await em.save(SealRunRow, em.create(SealRunRow, { ranAt, passed, items: JSON.stringify(items), rooms: JSON.stringify(roomResults), reportKey: null }));
      if (passed && site.siteCode) {
        row.reportKey = `seal:${site.siteCode}:${site.mode}:${row.id}`;
        await em.save(SealRunRow, row);
        await this.d.outbox.enqueue(SEAL_REPORT_KIND, { ranAt, passed, items: items.map((i) => ({ id: i.id, passed: i.passed })), rooms: roomResults }, { idempotencyKey: row.reportKey });
      }
      return row;
    });
    this.d.live.publish(sealRunTopic, { id: saved.id, passed });
    return this.view(saved);
  }

  async lastRun(): Promise<SealRunView | null> {
    const row = await this.d.store.manager.findOne(SealRunRow, { where: {}, order: { id: 'DESC' } });
    return row ? this.view(row) : null;
  }

  private async view(row: SealRunRow): Promise<SealRunView> {
    const entry = row.reportKey ? await this.d.outbox.find(row.reportKey) : null;
    return {
      id: row.id,
      ranAt: row.ranAt,
      passed: row.passed,
      // Runs stored before goTo existed have none.
      items: (JSON.parse(row.items) as SealItemResult[]).map((i) => ({ ...i, goTo: i.goTo ?? null })),
      rooms: JSON.parse(row.rooms) as RoomResult[],
      report: entry ? { state: entry.state, deliveredAt: entry.deliveredAt } : null,
    };
  }
}
