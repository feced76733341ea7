/** A promise chain that runs one task at a time, in arrival order. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    // The tail never rejects (see below), so the task runs once the previous one settled.
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
