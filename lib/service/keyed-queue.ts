/**
 * One job at a time per key, any number of keys at once: a channel's
 * messages are applied in the order they came, each to the state the one
 * before it saved, while other channels go on. A key's tail is forgotten
 * when its last job ends, so idle channels cost nothing here.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /** Jobs running or waiting, by key: the channels with work in flight. */
  get busy(): number {
    return this.tails.size;
  }

  /** Runs `job` once every job queued before it under `key` has settled; resolves or rejects as the job does. */
  run<T>(key: string, job: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const result = before.then(job);
    const tail = result.then(() => undefined, () => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
