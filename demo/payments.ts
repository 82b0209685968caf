/** Streaming payments: offer -> accept -> revoke, each message through the JSON wire. */
import { ChainView } from '../lib';
import { DemoFailure } from './ledger';
import { OpenedChannel } from './open';
import { Progress } from './progress';

export interface StreamResult {
  readonly count: number;
  readonly increment: bigint;
  readonly seconds: number;
  readonly perSecond: number;
}

export interface StreamOptions {
  readonly count: number;
  readonly increment: bigint;
  readonly progress: Progress;
  /** CLTV channels: the receiver checks each offer against the chain tip. */
  readonly chain?: () => Promise<ChainView>;
  /** Called after each completed payment with the new state index. */
  readonly after?: (index: number) => void;
}

export async function streamPayments(c: OpenedChannel, o: StreamOptions): Promise<StreamResult> {
  const start = performance.now();
  for (let n = 1; n <= o.count; n++) {
    const view = o.chain ? await o.chain() : undefined;
    const offer = c.sender.pay(o.increment);
    const accept = c.receiver.onOffer(c.wire.send(offer), view);
    const revoke = c.sender.onAccept(c.wire.send(accept));
    const got = c.receiver.onRevoke(c.wire.send(revoke));
    if (got.increment !== o.increment || got.amount !== c.sender.amount) {
      throw new DemoFailure(`payment ${n}: receiver has ${got.amount}, sender thinks ${c.sender.amount}`);
    }
    o.after?.(got.index);
    o.progress.update(n);
  }
  const seconds = (performance.now() - start) / 1000;
  o.progress.finish();
  return { count: o.count, increment: o.increment, seconds, perSecond: o.count / seconds };
}
