/**
 * HTLC round trips through two parties against the plain payment measured
 * in the same run: a real Sender and Receiver on a channel with HTLC terms
 * run addHtlc (offer -> accept -> revoke), fulfill, and settleHtlc (offer
 * -> accept -> revoke), messages in memory, every check done. The plain
 * payment on an identical channel is the floor: an HTLC that is added and
 * settled costs two of its states plus the preimage checks. Both take turns
 * in batches, and the ratio is taken per round.
 */
import { createHash } from 'node:crypto';
import { Transaction } from 'bitcoinjs-lib';
import { DEFAULT_FUNDING_DEPTH, Receiver, ReceiverSecrets, Sender, sha256 } from '../lib';
import { Case, alternate, median } from './measure';
import { CHAIN, WALLET_EXTRA, benchKey, receiverSecrets, senderSecrets, walletScript } from './parties';
import { Row } from './report';
import { ThroughputOptions } from './throughput';

const CAPACITY = 10_000_000_000n;
const HTLC_AMOUNT = 10_000n;
const EXPIRY = CHAIN.height + 100;
const htlcReceiver: ReceiverSecrets = { ...receiverSecrets, htlcKey: benchKey('receiver htlc') };

interface Pair {
  sender: Sender;
  receiver: Receiver;
}

function openHtlcChannel(n: number): Pair {
  const { sender, message: open } = Sender.open({
    capacity: CAPACITY, variant: { kind: 'csv', delay: { blocks: 144 } }, feeRate: 1000n, secrets: senderSecrets, htlc: { delay: 12, maxDustExposure: 5_000n },
  });
  const { receiver, message: acc } = Receiver.accept(open, htlcReceiver, {}, CHAIN);
  sender.onAcceptChannel(acc);
  const prev = new Transaction();
  prev.version = 2;
  prev.addInput(new Uint8Array(32).fill(9), n);
  prev.addOutput(walletScript, CAPACITY + WALLET_EXTRA);
  const coin = { txid: prev.getId(), vout: 0, value: CAPACITY + WALLET_EXTRA, script: walletScript, prevTx: prev.toBuffer() };
  const { plan, message: created } = sender.createFunding({ inputs: [coin], changeScript: walletScript, feeRate: 1000n });
  sender.onFundingSigned(receiver.onFundingCreated(created));
  receiver.markFundingConfirmed({ tx: plan.tx.toBuffer(), confirmations: DEFAULT_FUNDING_DEPTH });
  return { sender, receiver };
}

/** Preimages made before timing: hashing them is the caller's, not the channel's. */
const PREIMAGES = Array.from({ length: 1024 }, (_, i) => {
  const preimage = Uint8Array.from(createHash('sha256').update(`revchan bench preimage ${i}`).digest());
  return { preimage, hash: sha256(preimage) };
});

function payOnce(c: Pair): void {
  c.receiver.onRevoke(c.sender.onAccept(c.receiver.onOffer(c.sender.pay(100n), CHAIN)));
}

function addAndSettle(c: Pair, i: number): void {
  const p = PREIMAGES[i % PREIMAGES.length]!;
  const added = c.receiver.onRevoke(c.sender.onAccept(c.receiver.onOffer(c.sender.addHtlc({ amount: HTLC_AMOUNT, hash: p.hash, expiry: EXPIRY }, CHAIN), CHAIN)));
  const id = added.htlc!.record.id;
  c.sender.onFulfill(c.receiver.fulfill(id, p.preimage));
  c.receiver.onRevoke(c.sender.onAccept(c.receiver.onOffer(c.sender.settleHtlc(id), CHAIN)));
}

export function runHtlcThroughput(o: ThroughputOptions): Row[] {
  const plain = openHtlcChannel(0);
  const htlc = openHtlcChannel(1);
  let paid = 0;
  let settled = 0;
  const cases: Case[] = [
    { name: 'pay', run: (n) => { for (let i = 0; i < n; i++, paid++) payOnce(plain); } },
    { name: 'htlc', run: (n) => { for (let i = 0; i < n; i++, settled++) addAndSettle(htlc, settled); } },
  ];
  // Warm both paths before timing.
  for (const c of cases) c.run(o.batch);
  const t = alternate(cases, o.rounds, o.perRound, o.batch);
  const rate = (name: string) => 1000 / median(t.cpu.get(name)!);
  const ratio = median(t.cpu.get('pay')!.map((f, r) => f / t.cpu.get('htlc')![r]!));
  const sample = `median of ${o.rounds} rounds of ${o.perRound}, both taking turns in batches of ${o.batch}; ratio = payment time / round-trip time within each round`;
  const tableSize = settled;
  return [
    {
      section: 'throughput', name: 'payments, revocable with HTLC terms, in memory (HTLC floor)', value: rate('pay'), unit: 'payments/s',
      note: 'offer -> accept -> revoke', detail: `real Sender and Receiver of a channel with HTLC terms and no HTLC, messages in memory; ${sample}`,
    },
    {
      section: 'throughput', name: 'HTLC add + settle round trips, in memory', value: rate('htlc'), unit: 'round trips/s', ratio, ratioOf: 'of a plain payment',
      note: 'addHtlc, fulfill, settleHtlc: 2 states',
      detail: `real Sender and Receiver: addHtlc offer -> accept -> revoke, fulfill, settleHtlc offer -> accept -> revoke, every check; the HTLC table ends with ${tableSize} settled records (each change copies it); ${sample}`,
    },
  ];
}
