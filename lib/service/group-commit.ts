/**
 * Group commit: writes that arrive while one batch is being committed wait
 * and go together in the next one, so a thousand concurrent saves cost a few
 * statements (and a few fsyncs) instead of a thousand. Two writes of one key
 * never share a batch: the later one waits for the next, so its version
 * check sees the earlier one's result.
 */
import { ChannelError } from '../core/errors';

/** One write's outcome in a batch: its value, or the error it alone is refused with. */
export type BatchOutcome<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

interface Waiting<T, R> {
  readonly item: T;
  readonly resolve: (r: R) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Collects writes and runs them in batches, one batch at a time.
 * `commit` gets the batch and answers one outcome per write, in order; if it
 * throws, every write of the batch is rejected with what it threw.
 */
export class GroupCommit<T extends { readonly key: string }, R> {
  private waiting: Waiting<T, R>[] = [];
  private running = false;

  /**
   * @param commit - Writes one batch (distinct keys) as one transaction.
   * @param maxBatch - The most writes in one batch.
   */
  constructor(
    private readonly commit: (batch: readonly T[]) => Promise<readonly BatchOutcome<R>[]>,
    private readonly maxBatch: number,
  ) {}

  /** Queue a write; settles once its batch has committed (or failed). */
  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      // After the current task: the writes a caller issues together in one loop start in one batch.
      if (!this.running) {
        this.running = true;
        queueMicrotask(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch: Waiting<T, R>[] = [];
      const later: Waiting<T, R>[] = [];
      const keys = new Set<string>();
      for (const w of this.waiting) {
        if (batch.length < this.maxBatch && !keys.has(w.item.key)) {
          keys.add(w.item.key);
          batch.push(w);
        } else {
          later.push(w);
        }
      }
      this.waiting = later;
      let outcomes: readonly BatchOutcome<R>[];
      try {
        outcomes = await this.commit(batch.map((w) => w.item));
      } catch (e) {
        for (const w of batch) w.reject(e);
        continue;
      }
      batch.forEach((w, i) => {
        const o = outcomes[i];
        if (o === undefined) w.reject(new ChannelError('STORE_UNAVAILABLE', 'database: the batch gave no outcome for this write'));
        else if (o.ok) w.resolve(o.value);
        else w.reject(o.error);
      });
    }
    this.running = false;
  }
}
