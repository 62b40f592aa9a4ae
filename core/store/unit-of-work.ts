import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager } from 'typeorm';

/**
 * One transaction and what must happen only once it has committed. A `store.write` called
 * while one is running (in the same async flow) joins it, so "store a fact + queue its report
 * + audit it" commits or rolls back as a whole (DESIGN "Exam-day mechanics").
 */
export interface UnitOfWork {
  readonly em: EntityManager;
  /** Runs after the commit (in order); dropped when the unit of work rolls back. */
  afterCommit(hook: () => void): void;
}

interface ActiveUnit extends UnitOfWork {
  /** False once the transaction ended: work started later (a timer) must not join it. */
  open: boolean;
  readonly hooks: (() => void)[];
}

export class UnitOfWorkScope {
  private readonly als = new AsyncLocalStorage<ActiveUnit>();

  /** The running unit of work of this async flow, if any. */
  current(): UnitOfWork | null {
    const u = this.als.getStore();
    return u && u.open ? u : null;
  }

  /**
   * Runs `work` as a new unit of work on `em`; `onRolledBack`/hooks are the caller's
   * transaction boundary. Returns the result and the hooks to run after the commit.
   */
  async run<T>(em: EntityManager, work: (em: EntityManager) => Promise<T>): Promise<{ result: T; hooks: readonly (() => void)[] }> {
    const unit: ActiveUnit = {
      em,
      open: true,
      hooks: [],
      afterCommit(hook) {
        this.hooks.push(hook);
      },
    };
    try {
      const result = await this.als.run(unit, () => work(em));
      return { result, hooks: unit.hooks };
    } finally {
      unit.open = false;
    }
  }
}

/** Runs after-commit hooks; one that throws must not hide a committed change from the caller. */
export function runAfterCommitHooks(hooks: readonly (() => void)[], onError: (e: unknown) => void): void {
  for (const hook of hooks) {
    try {
      hook();
    } catch (e) {
      onError(e);
    }
  }
}
