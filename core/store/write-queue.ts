/**
 * Serializes async work. TypeORM on SQLite shares one connection, so two concurrent
 * transactions would interleave on it; every write goes through one queue instead.
 */
export class WriteQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
