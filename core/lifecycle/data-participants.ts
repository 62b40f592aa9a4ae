import path from 'node:path';
import type { EntityManager } from 'typeorm';
import type { Store } from '../store/store';

/**
 * What a plugin (or the host itself) declares it owns, so initialization, backup and
 * restore work over every plugin without naming any (issue 9 point 5, docs/adr).
 */
export interface DataParticipant {
  /** Shown in logs and messages, e.g. 考务数据. */
  readonly label: string;
  /**
   * Runs `work` once this participant's own work in flight has settled, holding back work
   * asked for later (an import queued behind the initialization must not land after it).
   */
  hold?<T>(work: () => Promise<T>): Promise<T>;
  /** Deletes this participant's rows, inside the initialization's one unit of work. */
  clear?(em: EntityManager, actor: string): Promise<void>;
  /** After the clear committed: drop caches, sweep files, tell listeners. Never undoes the clear. */
  afterClear?(): Promise<void> | void;
  /** Folders (inside the data folder) whose files belong in a backup and are replaced by a restore. */
  readonly folders?: readonly string[];
  /** Once the host came back up on restored data. */
  afterRestore?(): Promise<void> | void;
}

export interface RegisteredParticipant {
  readonly owner: string;
  readonly participant: DataParticipant;
}

/** A plugin's handle: contributes its participant (at init, when its services exist). */
export interface DataParticipation {
  participate(participant: DataParticipant): void;
}

export interface ParticipantLogger {
  error(obj: object, message: string): void;
}

/** The host's list of participants, in start order, and the operations over all of them. */
export class DataParticipants {
  private readonly items: RegisteredParticipant[] = [];

  constructor(
    private readonly dataDir: string,
    private readonly store: () => Store,
    private readonly logger: ParticipantLogger,
  ) {}

  /** `owner` is the plugin id (or `core`). Folders outside the data folder are a programming error. */
  add(owner: string, participant: DataParticipant): void {
    for (const folder of participant.folders ?? []) this.relativeFolder(folder);
    this.items.push({ owner, participant });
  }

  list(): readonly RegisteredParticipant[] {
    return this.items;
  }

  /** Every participant's folders relative to the data folder (posix separators), sorted, distinct. */
  folders(): string[] {
    const all = this.items.flatMap((i) => (i.participant.folders ?? []).map((f) => this.relativeFolder(f)));
    return [...new Set(all)].sort();
  }

  /**
   * 系统初始化: every participant's clear in ONE unit of work, while each holds its own work
   * in flight, so a crash leaves the old state or the cleared one, never a mix. `inside`
   * runs in the same unit of work (the audit line); `only` limits it to some owners (tests).
   */
  async clearAll(actor: string, options: { inside?: (em: EntityManager) => Promise<void>; only?: (owner: string) => boolean } = {}): Promise<void> {
    const chosen = this.items.filter((i) => options.only?.(i.owner) ?? true);
    const holders = chosen.map((i) => i.participant);
    const run = (index: number): Promise<void> => {
      const p = holders[index];
      if (!p) {
        return this.store().write(async (em) => {
          for (const h of holders) await h.clear?.(em, actor);
          await options.inside?.(em);
        });
      }
      return p.hold ? p.hold(() => run(index + 1)) : run(index + 1);
    };
    await run(0);
    await this.each(chosen, 'afterClear', (p) => p.afterClear?.());
  }

  async afterRestore(): Promise<void> {
    await this.each(this.items, 'afterRestore', (p) => p.afterRestore?.());
  }

  private async each(
    items: readonly RegisteredParticipant[],
    what: string,
    call: (p: DataParticipant) => Promise<void> | void | undefined,
  ): Promise<void> {
    for (const { owner, participant } of items) {
      try {
        await call(participant);
      } catch (err) {
        // The data already changed; one participant's follow-up must not hide that.
        this.logger.error({ err, owner, step: what }, `${participant.label}：${what} 失败`);
      }
    }
  }

  private relativeFolder(folder: string): string {
    const rel = path.relative(this.dataDir, path.resolve(folder));
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new RangeError(`data participant folder ${folder} is not inside the data folder ${this.dataDir}`);
    }
    return rel.split(path.sep).join('/');
  }
}
