/**
 * A two-hop payment A -> B -> C: channels AB (A pays B) and BC (B pays C),
 * both with HTLC terms, B joining them with a Forwarder. A locks an HTLC
 * for C's hash on AB; once A's revoke makes it final B offers it on BC,
 * less its fee and with an earlier expiry; C's preimage settles BC and,
 * passed back by B, AB. Both channels then close cooperatively, and the
 * closes pay B the incoming amount and C the outgoing one.
 */
import { createHash } from 'node:crypto';
import { Transaction } from 'bitcoinjs-lib';
import { ForwardEvent, ForwardStep, Forwarder, HtlcOpenTerms, Message, ReceiverSecrets, SenderSecrets, bytesEqual, sha256, toHex } from '../lib';
import { demoKey } from './keys';
import { DemoFailure } from './ledger';
import { OpenedChannel, chainView, openChannel } from './open';
import { DemoContext } from './scenario';

const CAPACITY = 500_000n;
const FEE_RATE = 1000n;
const CLOSE_FEE_RATE = 2000n;
/** D: each channel's HTLC delay, the least the default receiver policy takes. */
const TERMS: HtlcOpenTerms = { delay: 12, maxDustExposure: 5_000n };
const AMOUNT_IN = 51_000n;
const FORWARD_FEE = 1_000n;
/** E_in above the tip: R1 on AB, and room for R2 (D + G) and the outgoing R1 (40). */
const EXPIRY_AHEAD = 80;

/** One step of the two-hop payment, as the JSON output lists it. */
export interface TwoHopStep {
  /** htlc-add (final on AB), htlc-forward (offered on BC), htlc-fulfill (C's preimage), htlc-settle (a settle final), htlc-refused, htlc-fail... */
  readonly kind: string;
  /** AB or BC. */
  readonly channel: string;
  /** The HTLC's id on that channel. */
  readonly id: number;
  readonly amount?: bigint;
  readonly expiry?: number;
}

export interface TwoHopSummary {
  readonly hash: string;
  readonly preimage: string;
  readonly fee: bigint;
  readonly steps: readonly TwoHopStep[];
  /** What each close paid: B on AB, C on BC. */
  readonly closes: readonly { channel: string; receiver: bigint; sender: bigint; fee: bigint; txid: string }[];
}

function party(label: string): { sender: SenderSecrets; receiver: ReceiverSecrets } {
  const k = (what: string) => demoKey(`${label} ${what}`).priv;
  return {
    sender: { fundingKey: k('funding'), payoutKey: k('payout'), updateSeed: Uint8Array.from(createHash('sha256').update(`revchan demo ${label} update seed`).digest()) },
    receiver: { fundingKey: k('funding'), payoutKey: k('payout'), revocationKey: k('revocation'), htlcKey: k('htlc') },
  };
}

function stepOf(e: ForwardEvent): TwoHopStep | undefined {
  switch (e.kind) {
    case 'htlc-add': return { kind: e.kind, channel: 'AB', id: e.in!, amount: e.amount!, expiry: e.expiry! };
    case 'htlc-forward': return { kind: e.kind, channel: 'BC', id: e.out!, amount: e.amount!, expiry: e.expiry! };
    case 'htlc-fulfill': return { kind: e.kind, channel: 'AB', id: e.in! };
    case 'htlc-settle': return { kind: e.kind, channel: e.side === 'incoming' ? 'AB' : 'BC', id: e.id! };
    case 'htlc-refused': case 'htlc-fail': return { kind: e.kind, channel: 'AB', id: e.in! };
    default: return undefined;
  }
}

export async function runTwoHop(ctx: DemoContext): Promise<TwoHopSummary> {
  const { node, ledger, say } = ctx;
  const a = party('two-hop A');
  const b = party('two-hop B');
  const c = party('two-hop C');
  const variant = { kind: 'csv' as const, delay: { blocks: 144 } };
  const ab = await openChannel(node, ledger, { name: 'AB', label: 'csv 144', capacity: CAPACITY, variant, feeRate: FEE_RATE, htlc: TERMS, sender: a.sender, receiver: b.receiver });
  const bc = await openChannel(node, ledger, { name: 'BC', label: 'csv 144', capacity: CAPACITY, variant, feeRate: FEE_RATE, htlc: TERMS, sender: b.sender, receiver: c.receiver });
  say(`Two hops A -> B -> C: channels AB ${ab.fundingTx.getId()} and BC ${bc.fundingTx.getId()} confirmed, D ${TERMS.delay} blocks`);
  const forwarder = Forwarder.join({ incoming: ab.receiver, outgoing: bc.sender, terms: { fee: FORWARD_FEE } });

  const preimage = Uint8Array.from(createHash('sha256').update('revchan demo two-hop preimage').digest());
  const hash = sha256(preimage);
  const steps: TwoHopStep[] = [];
  const chain = await chainView(node);
  const expiry = chain.height + EXPIRY_AHEAD;

  // Deliver what B returns, A and C answering as honest parties would, until nothing is left.
  const queue: ForwardStep[] = [forwarder.onUpstream(ab.wire.send(ab.sender.addHtlc({ amount: AMOUNT_IN, hash, expiry }, chain)), chain)];
  const send = <T extends Message>(w: OpenedChannel, m: T): T => w.wire.send(m);
  let fulfilled = false;
  while (queue.length > 0) {
    const s = queue.shift()!;
    for (const e of s.events) {
      const step = stepOf(e);
      if (step) steps.push(step);
    }
    for (const m of s.upstream) {
      const got = send(ab, m);
      if (got.type === 'accept') queue.push(forwarder.onUpstream(send(ab, ab.sender.onAccept(got)), chain));
      if (got.type === 'fulfill') {
        ab.sender.onFulfill(got);
        queue.push(forwarder.onUpstream(send(ab, ab.sender.settleHtlc(got.id)), chain));
      }
      if (got.type === 'fail') throw new DemoFailure(`B failed the HTLC upstream: ${JSON.stringify(s.events)}`);
    }
    for (const m of s.downstream) {
      const got = send(bc, m);
      if (got.type === 'offer') queue.push(forwarder.onDownstream(send(bc, bc.receiver.onOffer(got, chain)), chain));
      if (got.type === 'revoke') {
        const done = bc.receiver.onRevoke(got);
        // C holds the preimage; once its HTLC is final it asks B to settle.
        if (done.htlc?.change === 'addHtlc' && !fulfilled) {
          fulfilled = true;
          steps.push({ kind: 'htlc-fulfill', channel: 'BC', id: done.htlc.record.id });
          queue.push(forwarder.onDownstream(send(bc, bc.receiver.fulfill(done.htlc.record.id, preimage)), chain));
        }
      }
    }
  }
  const fwd = steps.find((x) => x.kind === 'htlc-forward');
  say(`  A locks ${AMOUNT_IN} sat on AB for H ${toHex(hash).slice(0, 16)}... expiring at ${expiry}; B forwards ${fwd?.amount} sat on BC expiring at ${fwd?.expiry}`);
  say(`  C reveals P, B passes it back: ${steps.map((x) => `${x.kind} ${x.channel}`).join(', ')}`);
  if (ab.receiver.amount !== AMOUNT_IN || bc.receiver.amount !== AMOUNT_IN - FORWARD_FEE || ab.sender.htlcs.length + bc.sender.htlcs.length !== 0) {
    throw new DemoFailure(`two-hop payment did not settle: B has ${ab.receiver.amount}, C ${bc.receiver.amount}`);
  }

  const closes: TwoHopSummary['closes'][number][] = [];
  for (const ch of [ab, bc]) {
    const { message, tx: receiverCopy } = ch.receiver.onCloseOffer(ch.wire.send(ch.sender.proposeClose(CLOSE_FEE_RATE)));
    const closeTx: Transaction = ch.sender.onCloseSigned(ch.wire.send(message));
    if (!bytesEqual(closeTx.toBuffer(), receiverCopy.toBuffer())) throw new DemoFailure('the parties hold different close transactions');
    const close = await ledger.broadcast('cooperative-close', ch.name, ch.label, closeTx, 'sender');
    await ledger.mine(1);
    const rc = ch.receiver.context;
    const paid = (script: Uint8Array) => closeTx.outs.filter((o) => bytesEqual(o.script, script)).reduce((sum, o) => sum + o.value, 0n);
    closes.push({ channel: ch.name, receiver: paid(rc.receiverPayoutScript), sender: paid(rc.senderPayoutScript), fee: close.fee, txid: close.txid });
  }
  const [abClose, bcClose] = closes;
  if (abClose!.receiver !== AMOUNT_IN || bcClose!.receiver !== AMOUNT_IN - FORWARD_FEE) throw new DemoFailure(`closes pay B ${abClose!.receiver} and C ${bcClose!.receiver}`);
  say(`  cooperative closes: B receives ${abClose!.receiver} sat on AB, C ${bcClose!.receiver} sat on BC; B keeps ${FORWARD_FEE} sat`);
  return { hash: toHex(hash), preimage: toHex(preimage), fee: FORWARD_FEE, steps, closes };
}
