/**
 * A model-based run of the payment protocol: a real Sender and a real
 * Receiver exchange messages over a LossyNetwork and act on a list of actions
 * (payments, deliveries in and out of order, packets held back, duplicated,
 * dropped, corrupted or replayed, restarts from saved state, crashes before a
 * save, resends, closes, the CLTV cutoff). After every action the invariants
 * of protocol-invariants.ts are checked.
 *
 * Each party saves its state after every change and before anything it
 * produced is sent, so a restart restores its latest state and a crash
 * loses the change together with what it would have sent. A call refused
 * with a ChannelError must leave both parties' saved state as it was; any
 * other exception fails the run.
 */
import {
  CLOSE_WEIGHT, ChainView, ChannelError, Message, Receiver, Revoke, Sender, Variant, decodeMessage, deriveUpdateSecret, encodeMessage, feeForWeight, MIN_FEE_RATE,
} from '../../lib';
import { VARIANTS } from './channel';
import { CHAIN, openChannel, receiverSecrets, senderSecrets } from './parties';
import { Direction, LossyNetwork, Packet, encodePacket, flipBit, isTampered, mutateField } from './lossy-network';
import { ProtocolOracle, RunStats, violation } from './protocol-invariants';

/** The highest close fee rate the sender signs when the receiver proposes the close. */
export const SENDER_MAX_CLOSE_FEE_RATE = 8000n;
const CLTV_MARGIN = 10;
const DUST_P2WPKH = 294n;

export type VariantName = 'CLTV height' | 'CLTV time' | 'CSV';

export interface ChannelSetup {
  readonly variant: VariantName;
  readonly capacity: bigint;
  readonly feeRate: bigint;
}

/** A payment increment: a number of satoshis, or what leaves the sender `below` satoshis after the fee (the edge of the channel). */
export type Increment = { readonly sats: bigint } | { readonly below: bigint };

export type Party = 'sender' | 'receiver';

export type Action =
  | { readonly kind: 'pay'; readonly increment: Increment }
  /** pick 0 delivers in order, anything else out of order. */
  | { readonly kind: 'deliver'; readonly dir: Direction; readonly pick: number }
  /** Deliver everything queued, in order, held packets last. */
  | { readonly kind: 'deliverAll' }
  /** Hold the packet back until the next one sent the same way has overtaken it. */
  | { readonly kind: 'holdBack'; readonly dir: Direction; readonly pick: number }
  /** Deliver a copy and leave the packet queued, so it arrives twice. */
  | { readonly kind: 'duplicate'; readonly dir: Direction; readonly pick: number }
  | { readonly kind: 'drop'; readonly dir: Direction; readonly pick: number }
  /** Deliver a corrupted copy; the original stays queued if `keep`, else it is lost. */
  | { readonly kind: 'flipBit'; readonly dir: Direction; readonly pick: number; readonly position: number; readonly bit: number; readonly keep: boolean }
  | { readonly kind: 'mutateField'; readonly dir: Direction; readonly pick: number; readonly field: number; readonly how: number; readonly salt: number; readonly keep: boolean }
  /** Deliver again a message sent earlier. */
  | { readonly kind: 'replay'; readonly dir: Direction; readonly back: number }
  /** Restore the party from its saved state (a process restart). */
  | { readonly kind: 'restart'; readonly who: Party }
  /** The party's next state change is lost: it crashes after the call and before saving, so nothing it produced is sent. */
  | { readonly kind: 'crashBeforeSave'; readonly who: Party }
  | { readonly kind: 'resendOffer' }
  | { readonly kind: 'resendRevoke' }
  | { readonly kind: 'close'; readonly who: Party; readonly feeRate: bigint }
  /** CLTV: the chain reaches the payment cutoff. */
  | { readonly kind: 'expire' };

export interface Scenario {
  readonly setup: ChannelSetup;
  readonly actions: readonly Action[];
  /** A cooperative close proposed after the actions (and after settling, if the run settles), then everything delivered. */
  readonly finalClose?: { readonly who: Party; readonly feeRate: bigint };
}

/**
 * Deliberate defects, to show that the checker catches them:
 * - early-reveal: with each offer the sender also sends k_i, before any accept;
 * - resend-reveals-current: the sender's revoke resend is off by one and reveals k of its current state;
 * - forget-on-reject: a receiver that refuses a message forgets the offer it accepted;
 * - save-before-accept: the sender saves its state before onAccept instead of after, so a restart rolls it back behind a revoke it sent;
 * - save-drops-signature: the receiver's saved state loses the sender's signature on its final state;
 * - swapped-witness: the sender's latest transaction has its two signatures in the wrong order, from state 1 on.
 */
export type Fault =
  | 'early-reveal' | 'resend-reveals-current' | 'forget-on-reject' | 'save-before-accept' | 'save-drops-signature' | 'swapped-witness';

export interface RunOptions {
  readonly fault?: Fault;
  readonly stats?: RunStats;
  /** Fail on an offer whose update key was altered in transit and still accepted (a known gap; off by default). */
  readonly strictUpdateKey?: boolean;
}

type Json = Record<string, unknown>;
type Outcome<T> = { ok: true; value: T } | { ok: false; error: ChannelError };
type NetworkFault = Extract<Action, { kind: 'holdBack' | 'duplicate' | 'drop' | 'flipBit' | 'mutateField' }>;

function isNetworkFault(a: Action): a is NetworkFault {
  return a.kind === 'holdBack' || a.kind === 'duplicate' || a.kind === 'drop' || a.kind === 'flipBit' || a.kind === 'mutateField';
}

function variantOf(name: VariantName): Variant {
  const found = VARIANTS.find((v) => v.name === name);
  if (!found) throw new Error(`unknown variant ${name}`);
  return found.variant;
}

/** The chain at the CLTV payment cutoff of the test variants (expiry height 1000 or time 1.8e9, margin 10). */
const EXPIRED_CHAIN: ChainView = { height: 1000 - CLTV_MARGIN - 1, medianTimePast: 1_800_000_000 - CLTV_MARGIN * 600 };

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

export class ProtocolRun {
  sender: Sender;
  receiver: Receiver;
  readonly net = new LossyNetwork();
  /** A message or a change was lost (dropped, corrupted in place, lost in a crash). */
  lost = false;
  /** The channel stopped taking payments on purpose (a close proposed, the CLTV cutoff), or an altered update key was taken (a known gap). */
  ended = false;
  private readonly oracle: ProtocolOracle;
  private readonly stats: RunStats;
  private readonly fault: Fault | undefined;
  private readonly variant: Variant;
  private readonly capacity: bigint;
  private savedSender: string;
  private savedReceiver: string;
  private chain: ChainView = CHAIN;
  private crashNext: Party | undefined;
  private readonly armed: NetworkFault[] = [];
  private step = 0;

  constructor(readonly setup: ChannelSetup, private readonly opts: RunOptions = {}) {
    this.fault = opts.fault;
    this.stats = opts.stats ?? new RunStats();
    this.variant = variantOf(setup.variant);
    this.capacity = setup.capacity;
    const c = openChannel(this.variant, setup.capacity, setup.feeRate, CLTV_MARGIN);
    this.sender = this.withFault(c.sender);
    this.receiver = c.receiver;
    this.oracle = new ProtocolOracle({ ...setup, variant: this.variant, fundingTx: c.fundingTx, fundingVout: c.sender.funding!.vout }, this.stats);
    this.savedSender = JSON.stringify(this.sender.toJSON());
    this.savedReceiver = JSON.stringify(this.receiver.toJSON());
    this.check();
  }

  run(actions: readonly Action[]): void {
    for (const a of actions) {
      this.step++;
      if (isNetworkFault(a) && this.net.size(a.dir) === 0) {
        // Nothing to act on yet: the fault waits for the next packet sent that way.
        this.armed.push(a);
        this.stats.add('network faults armed');
      } else {
        this.apply(a);
      }
      this.check();
      for (const f of this.armed.filter((x) => this.net.size(x.dir) > 0)) {
        this.armed.splice(this.armed.indexOf(f), 1);
        this.apply(f);
        this.check();
      }
    }
  }

  check(): void {
    this.oracle.check(this.sender, this.receiver);
  }

  // ---- actions

  private apply(a: Action): void {
    this.stats.add(`action ${a.kind}`);
    switch (a.kind) {
      case 'pay': return this.pay(a.increment);
      case 'deliver': {
        if (a.pick % Math.max(1, this.net.size(a.dir)) !== 0) this.stats.add('delivered out of order');
        const p = this.net.take(a.dir, a.pick);
        if (p) this.deliver(a.dir, p);
        return;
      }
      case 'deliverAll': return this.deliverAll();
      case 'holdBack':
        this.net.holdBack(a.dir, a.pick);
        return;
      case 'duplicate': {
        const p = this.net.peek(a.dir, a.pick);
        if (p) this.deliver(a.dir, p);
        return;
      }
      case 'drop':
        if (this.net.take(a.dir, a.pick)) this.lost = true;
        return;
      case 'flipBit':
      case 'mutateField': {
        const p = a.keep ? this.net.peek(a.dir, a.pick) : this.net.take(a.dir, a.pick);
        if (!p) return;
        if (!a.keep) this.lost = true;
        const bytes = a.kind === 'flipBit'
          ? flipBit(p.bytes, a.position, a.bit)
          : mutateField(p.bytes, a.field, a.how, a.salt, [...this.net.sent('toReceiver'), ...this.net.sent('toSender')]);
        return this.deliver(a.dir, { bytes, sent: p.sent });
      }
      case 'replay': {
        const p = this.net.replay(a.dir, a.back);
        if (p) this.deliver(a.dir, p);
        return;
      }
      case 'restart': return this.restart(a.who);
      case 'crashBeforeSave':
        // What the party would have sent is lost with it.
        this.crashNext = a.who;
        this.lost = true;
        return;
      case 'resendOffer': return this.resendOffer();
      case 'resendRevoke': return this.resendRevoke();
      case 'close': return this.close(a.who, a.feeRate);
      case 'expire':
        if (this.variant.kind === 'cltv') {
          this.chain = EXPIRED_CHAIN;
          this.ended = true;
        }
    }
  }

  private pay(inc: Increment): void {
    const s = this.sender;
    const room = this.capacity - this.oracle.fee - s.amount;
    const increment = 'sats' in inc ? inc.sats : room - inc.below;
    const expected = s.phase !== 'open' ? 'CHANNEL_CLOSED'
      : s.pending ? 'PAYMENT_PENDING'
        : increment <= 0n ? 'INVALID_AMOUNT'
          : increment > room ? 'AMOUNT_EXCEEDS_CAPACITY' : undefined;
    const r = this.attempt('sender', 'pay', () => this.sender.pay(increment));
    this.expectOutcome('pay', r, expected);
    this.stats.add(`pay ${r.ok ? 'offered' : `refused: ${r.error.code}`}`);
    if (!r.ok || this.crashed('sender')) return;
    const offer = r.value;
    if (offer.index !== s.index + 1 || offer.amount !== s.amount + increment) violation('model', `offer for state ${offer.index} amount ${offer.amount}`);
    this.saved('sender');
    this.oracle.offerSent(offer.index, offer.amount, text(encodePacket(offer)));
    this.send('toReceiver', offer);
    if (this.fault === 'early-reveal') {
      const index = this.sender.index;
      this.send('toReceiver', { type: 'revoke', channelId: offer.channelId, index, secret: deriveUpdateSecret(senderSecrets.updateSeed, BigInt(index)) });
    }
  }

  private resendOffer(): void {
    const r = this.attempt('sender', 'pendingOffer', () => this.sender.pendingOffer());
    this.expectOutcome('pendingOffer', r, this.sender.pending ? undefined : 'UNEXPECTED_MESSAGE');
    if (!r.ok) return;
    this.oracle.offerResent(r.value.index, text(encodePacket(r.value)));
    this.send('toReceiver', r.value);
  }

  private resendRevoke(): void {
    const r = this.attempt('sender', 'lastRevoke', () => this.sender.lastRevoke());
    this.expectOutcome('lastRevoke', r, this.sender.index === 0 ? 'UNEXPECTED_MESSAGE' : undefined);
    if (!r.ok) return;
    this.send('toReceiver', r.value);
    if (r.value.index !== this.sender.index - 1) violation('model', `lastRevoke revokes state ${r.value.index} in state ${this.sender.index}`);
  }

  /** Why a close proposal must be refused, if it must. */
  private closeRefusal(phase: string, pending: boolean, amount: bigint, feeRate: bigint): string | undefined {
    // A proposer may propose again while no close is signed.
    if (phase === 'closed') return 'CHANNEL_CLOSED';
    if (pending) return 'PAYMENT_PENDING';
    if (feeRate < MIN_FEE_RATE) return 'FEE_RATE_REFUSED';
    const rest = this.capacity - amount - feeForWeight(CLOSE_WEIGHT, feeRate);
    if (rest < 0n || (amount < DUST_P2WPKH && rest < DUST_P2WPKH)) return 'FEE_EXCEEDS_OUTPUT';
    return undefined;
  }

  private close(who: Party, feeRate: bigint): void {
    this.ended = true;
    const r = who === 'sender'
      ? this.proposeClose('sender', this.closeRefusal(this.sender.phase, this.sender.pending !== undefined, this.sender.amount, feeRate), () => this.sender.proposeClose(feeRate))
      : this.proposeClose('receiver', this.closeRefusal(this.receiver.phase, this.receiver.pendingAmount !== undefined, this.receiver.amount, feeRate), () => this.receiver.proposeClose(feeRate));
    if (!r.ok || this.crashed(who)) return;
    this.oracle.closeProposed(feeRate);
    this.saved(who);
    this.send(who === 'sender' ? 'toReceiver' : 'toSender', r.value);
  }

  private proposeClose(who: Party, expected: string | undefined, fn: () => Message): Outcome<Message> {
    const r = this.attempt(who, 'proposeClose', fn);
    this.expectOutcome(`${who} proposeClose`, r, expected);
    return r;
  }

  private restart(who: Party): void {
    if (who === 'sender') {
      this.sender = this.withFault(restored('sender', () => Sender.restore(JSON.parse(this.savedSender), senderSecrets)));
      if (JSON.stringify(this.sender.toJSON()) !== this.savedSender) violation('restart', 'restored sender saves differently');
    } else {
      this.receiver = restored('receiver', () => Receiver.restore(JSON.parse(this.savedReceiver), receiverSecrets));
      if (JSON.stringify(this.receiver.toJSON()) !== this.savedReceiver) violation('restart', 'restored receiver saves differently');
    }
    this.oracle.forget(who);
  }

  /** Deliver everything in order, held packets last. */
  private deliverAll(): void {
    const next = (): Direction | undefined => (this.net.size('toReceiver') > 0 ? 'toReceiver' : this.net.size('toSender') > 0 ? 'toSender' : undefined);
    for (let n = 0; n < 64; n++) {
      let dir = next();
      if (!dir) {
        this.net.release('toReceiver');
        this.net.release('toSender');
        dir = next();
        if (!dir) return;
      }
      this.deliver(dir, this.net.take(dir, 0)!);
    }
  }

  // ---- delivery

  private deliver(dir: Direction, p: Packet): void {
    const tampered = isTampered(p);
    this.stats.add(tampered ? 'tampered packets delivered' : 'packets delivered');
    let json: unknown;
    try {
      json = JSON.parse(text(p.bytes));
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
      this.stats.add('not JSON');
      return; // the transport's JSON parser refuses it before any channel code runs
    }
    const who: Party = dir === 'toReceiver' ? 'receiver' : 'sender';
    const decoded = this.attempt(who, 'decodeMessage', () => decodeMessage(json));
    if (!decoded.ok) {
      this.stats.add(`refused by the decoder: ${decoded.error.code}`);
      return;
    }
    const m = decoded.value;
    const taken = who === 'receiver' ? this.toReceiver(m) : this.toSender(m);
    if (!taken || !tampered) return;
    const sent = JSON.parse(text(p.sent)) as Json;
    const got = encodeMessage(m) as Json;
    const changed = Object.keys(got).filter((k) => JSON.stringify(got[k]) !== JSON.stringify(sent[k]));
    if (changed.length === 0) return;
    if (m.type === 'offer' && changed.join() === 'updateKey' && !this.opts.strictUpdateKey) {
      // Known gap: no signature covers an offer's K_{i+1}, so an altered one is taken (see the pending test).
      this.stats.add('offers with an altered update key accepted');
      this.ended = true;
      return;
    }
    violation('rejection', `the ${who} accepted a corrupted ${m.type} (${changed.join(', ')} changed): ${text(p.bytes)}`);
  }

  /** Hands a message to the receiver; true if it took it. */
  private toReceiver(m: Message): boolean {
    switch (m.type) {
      case 'offer': {
        const r = this.attempt('receiver', 'onOffer', () => this.receiver.onOffer(m, this.chain));
        if (!r.ok) return this.refused('receiver', m.type, r.error);
        this.oracle.offerAccepted(m.index, m.amount);
        this.stats.add('offers accepted');
        if (this.crashed('receiver')) return true;
        this.saved('receiver');
        this.send('toSender', r.value);
        return true;
      }
      case 'revoke': {
        const before = this.receiver.amount;
        const r = this.attempt('receiver', 'onRevoke', () => this.receiver.onRevoke(m));
        if (!r.ok) return this.refused('receiver', m.type, r.error);
        this.oracle.paymentReceived(r.value, m.index, before);
        this.stats.add('payments final');
        if (!this.crashed('receiver')) this.saved('receiver');
        return true;
      }
      case 'close_offer': {
        const r = this.attempt('receiver', 'onCloseOffer', () => this.receiver.onCloseOffer(m));
        if (!r.ok) return this.refused('receiver', m.type, r.error);
        this.stats.add('closes signed by the receiver');
        if (this.crashed('receiver')) return true;
        this.saved('receiver');
        this.send('toSender', r.value.message);
        return true;
      }
      case 'close_signed': {
        const r = this.attempt('receiver', 'onCloseSigned', () => this.receiver.onCloseSigned(m));
        if (!r.ok) return this.refused('receiver', m.type, r.error);
        this.stats.add('closes completed by the receiver');
        if (!this.crashed('receiver')) this.saved('receiver');
        return true;
      }
      default:
        this.stats.add('no receiver handler');
        return false;
    }
  }

  /** Hands a message to the sender; true if it took it. */
  private toSender(m: Message): boolean {
    switch (m.type) {
      case 'accept': {
        const before = this.fault === 'save-before-accept' ? JSON.stringify(this.sender.toJSON()) : undefined;
        const r = this.attempt('sender', 'onAccept', () => this.sender.onAccept(m));
        if (!r.ok) return this.refused('sender', m.type, r.error);
        this.stats.add('accepts taken');
        if (this.crashed('sender')) return true;
        if (before !== undefined) this.savedSender = before;
        else this.saved('sender');
        // The sender now holds the receiver's signature on state i+1; its check must pass before k_i goes.
        this.oracle.senderState(this.sender);
        this.send('toReceiver', r.value);
        return true;
      }
      case 'close_offer': {
        const r = this.attempt('sender', 'onCloseOffer', () => this.sender.onCloseOffer(m, SENDER_MAX_CLOSE_FEE_RATE));
        if (!r.ok) return this.refused('sender', m.type, r.error);
        if (m.feeRate > SENDER_MAX_CLOSE_FEE_RATE) violation('model', `sender signed a close at ${m.feeRate} sat/kw, above its bound`);
        this.stats.add('closes signed by the sender');
        if (this.crashed('sender')) return true;
        this.saved('sender');
        this.send('toReceiver', r.value.message);
        return true;
      }
      case 'close_signed': {
        const r = this.attempt('sender', 'onCloseSigned', () => this.sender.onCloseSigned(m));
        if (!r.ok) return this.refused('sender', m.type, r.error);
        this.stats.add('closes completed by the sender');
        if (!this.crashed('sender')) this.saved('sender');
        return true;
      }
      default:
        this.stats.add('no sender handler');
        return false;
    }
  }

  private refused(who: Party, type: string, e: ChannelError): false {
    this.stats.add(`${who} refused ${type}: ${e.code}`);
    return false;
  }

  // ---- calls, saving and sending

  /**
   * Runs one call of a party. A ChannelError is a refusal, and then neither
   * party's saved state may have changed; any other exception fails the run.
   */
  private attempt<T>(who: Party, what: string, fn: () => T): Outcome<T> {
    const before = [JSON.stringify(this.sender.toJSON()), JSON.stringify(this.receiver.toJSON())];
    try {
      return { ok: true, value: fn() };
    } catch (e) {
      if (!(e instanceof ChannelError)) {
        violation('rejection', `${who} ${what} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} instead of a ChannelError`);
      }
      if (this.fault === 'forget-on-reject' && who === 'receiver' && this.receiver.pendingAmount !== undefined) {
        this.receiver = Receiver.restore({ ...this.receiver.toJSON(), pending: null }, receiverSecrets);
      }
      const after = [JSON.stringify(this.sender.toJSON()), JSON.stringify(this.receiver.toJSON())];
      if (after[0] !== before[0] || after[1] !== before[1]) violation('rejection', `${who} ${what} refused with ${e.code} but changed state`);
      return { ok: false, error: e };
    }
  }

  private expectOutcome(what: string, r: Outcome<unknown>, expected: string | undefined): void {
    const got = r.ok ? undefined : r.error.code;
    if (got !== expected) violation('model', `${what}: expected ${expected ?? 'success'}, got ${got ?? 'success'}`);
  }

  /** The sender as the run sees it: itself, or with the planted swapped-witness defect. */
  private withFault(sender: Sender): Sender {
    const fault = this.fault;
    if (fault !== 'swapped-witness' && fault !== 'resend-reveals-current') return sender;
    return new Proxy(sender, {
      get(target, prop) {
        if (fault === 'swapped-witness' && prop === 'latestTransaction') {
          return () => {
            const tx = target.latestTransaction();
            if (target.index >= 1) {
              const w = tx.ins[0]!.witness;
              tx.setWitness(0, [w[0]!, w[2]!, w[1]!, w[3]!]);
            }
            return tx;
          };
        }
        if (fault === 'resend-reveals-current' && prop === 'lastRevoke') {
          return (): Revoke => {
            const r = target.lastRevoke();
            return { ...r, index: target.index, secret: deriveUpdateSecret(senderSecrets.updateSeed, BigInt(target.index)) };
          };
        }
        return Reflect.get(target, prop, target);
      },
    });
  }

  private saved(who: Party): void {
    if (who === 'sender') {
      this.savedSender = JSON.stringify(this.sender.toJSON());
      return;
    }
    const json = this.receiver.toJSON();
    if (this.fault === 'save-drops-signature' && json.current) json.current = { ...(json.current as Json), senderSig: null };
    this.savedReceiver = JSON.stringify(json);
  }

  /** If the party was set to crash, it loses the change: back to its saved state, and nothing it produced leaves it. */
  private crashed(who: Party): boolean {
    if (this.crashNext !== who) return false;
    this.crashNext = undefined;
    this.stats.add(`${who} crashed before saving`);
    this.restart(who);
    return true;
  }

  private send(dir: Direction, m: Message): void {
    const bytes = this.net.send(dir, m);
    if (dir === 'toReceiver') this.oracle.outgoing(this.sender, text(bytes), m.type, this.step);
    if (m.type === 'revoke') {
      this.oracle.revokeSent(m.index, m.secret);
      this.stats.add('revokes sent');
    }
  }

  // ---- the end of a run

  /**
   * Deliver everything, resending what was refused, until nothing moves; the
   * parties must then be in the same state with nothing in flight. Only for
   * runs that did not end the channel (a close, the cutoff, an altered update key), whatever was lost.
   */
  settle(): void {
    for (let round = 0; round < 8; round++) {
      this.deliverAll();
      this.check();
      if (this.receiver.index === this.sender.index - 1) this.resendRevoke();
      else if (this.sender.pending) this.resendOffer();
      else break;
      this.check();
    }
    const s = this.sender;
    const r = this.receiver;
    if (s.pending || r.pendingAmount !== undefined || s.index !== r.index || s.amount !== r.amount) {
      violation('settle', `after delivering everything: sender ${s.index}/${s.amount}${s.pending ? ` (in flight ${s.pending.index})` : ''}, receiver ${r.index}/${r.amount}${r.pendingAmount !== undefined ? ' (accepted one)' : ''}`);
    }
    this.stats.add('runs settled');
  }

  /**
   * Close, deliver everything, and stop. From a settled channel a close the
   * proposer may make and the other side's bounds allow must complete on both
   * sides.
   */
  finalClose(who: Party, feeRate: bigint, settled: boolean): void {
    this.step++;
    const phase = (): string => (who === 'sender' ? this.sender.phase : this.receiver.phase);
    const open = phase() === 'open';
    this.apply({ kind: 'close', who, feeRate });
    this.check();
    const proposed = open && phase() === 'closing';
    this.deliverAll();
    this.check();
    // A proposal or its answer lost with a crash: the proposer asks again, as it may until a close is signed.
    for (let round = 0; round < 3 && proposed && phase() === 'closing'; round++) {
      this.apply({ kind: 'close', who, feeRate });
      this.deliverAll();
      this.check();
    }
    if (settled && proposed && (who === 'sender' || feeRate <= SENDER_MAX_CLOSE_FEE_RATE)) {
      if (this.sender.phase !== 'closed' || this.receiver.phase !== 'closed') {
        violation('settle', `close by the ${who} at ${feeRate} sat/kw left the sender ${this.sender.phase}, the receiver ${this.receiver.phase}`);
      }
      this.stats.add('settled channels closed');
    }
  }

  spends(): void {
    this.oracle.spends(this.sender, this.receiver);
  }
}

/** A party restored from what it saved: restore re-checks every signature, so a refusal means a save that lost or damaged something. */
function restored<T>(who: Party, restore: () => T): T {
  try {
    return restore();
  } catch (e) {
    if (e instanceof ChannelError) violation('restore', `the ${who}'s saved state is refused: ${e.code} ${e.message}`);
    throw e;
  }
}

/** One run of a scenario: throws a ModelViolation (or the first unexpected error) if an invariant breaks. */
export function runScenario(sc: Scenario, opts: RunOptions = {}): ProtocolRun {
  const run = new ProtocolRun(sc.setup, opts);
  run.run(sc.actions);
  // Lost messages and crashes included: the resends the parties offer must bring them back together.
  const settled = !run.ended;
  if (settled) run.settle();
  if (sc.finalClose) run.finalClose(sc.finalClose.who, sc.finalClose.feeRate, settled);
  run.spends();
  opts.stats?.add('packets overtaken', run.net.overtaken);
  return run;
}
