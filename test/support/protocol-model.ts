/**
 * A model-based run of the payment protocol: a real Sender and a real
 * Receiver exchange messages over a LossyNetwork, act on a list of actions
 * (payments, deliveries, duplicates, reorderings, drops, corruptions, replays,
 * restarts from saved state, crashes before a save, resends, closes), and
 * after every action the protocol's invariants are checked:
 *
 * - agreement: the receiver's final state (the last one whose predecessor it
 *   holds the secret of) is the sender's latest agreed state, or the one
 *   before it while the receiver holds the sender's signature on the latest
 *   and waits only for its revoke;
 * - secrets: k_m leaves the sender (in any message or its saved state) only
 *   once the sender held the receiver's valid signature on its version of a
 *   state after m, and k of the sender's current state has never left;
 * - broadcast: each party holds a transaction that pays it its final balance
 *   (less the fee, for the sender; dust outputs are left out), the sender's is
 *   not revoked, and a cooperative close pays each side its balance less the
 *   close fee;
 * - interpreter: every transaction either party holds passes bcoin's script
 *   interpreter against the funding output (each distinct transaction once).
 *
 * A handler given anything it must refuse throws a ChannelError and leaves both
 * parties' saved state byte for byte as it was; anything else fails the run.
 * Failures are thrown as ModelViolation naming the invariant.
 */
import { Transaction } from 'bitcoinjs-lib';
import {
  CLOSE_WEIGHT, ChainView, ChannelError, Message, PAYMENT_WEIGHT, Receiver, Sender, compileRevocableScript, decodeMessage,
  decodeStateNumber, deriveObscuringFactor, deriveUpdateKey, deriveUpdateSecret, encodeMessage, feeForWeight, p2wpkhScript,
  p2wshScript, Variant,
} from '../../lib';
import { VARIANTS } from './channel';
import { keys, testKey } from './keys';
import { CHAIN, openChannel, receiverSecrets, senderSecrets } from './parties';
import { Direction, LossyNetwork, Packet, encodePacket, flipBit, isTampered, mutateField } from './lossy-network';
import { verifyInputs } from './verify';

const DUST_P2WPKH = 294n;
const DUST_P2WSH = 330n;
/** The highest close fee rate the sender signs when the receiver proposes the close. */
export const SENDER_MAX_CLOSE_FEE_RATE = 8000n;
const CLTV_MARGIN = 10;

export type VariantName = 'CLTV height' | 'CLTV time' | 'CSV';

export interface ChannelSetup {
  readonly variant: VariantName;
  readonly capacity: bigint;
  readonly feeRate: bigint;
}

/** A payment increment: a number of satoshis, or what leaves the sender `below` satoshis after the fee (edge of the channel). */
export type Increment = { readonly sats: bigint } | { readonly below: bigint };

export type Party = 'sender' | 'receiver';

export type Action =
  | { readonly kind: 'pay'; readonly increment: Increment }
  /** pick 0 delivers in order, anything else out of order. */
  | { readonly kind: 'deliver'; readonly dir: Direction; readonly pick: number }
  /** Deliver everything queued, in order. */
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
  /** The party's next state change is lost: it crashes after the call and before saving, so nothing it produced was sent. */
  | { readonly kind: 'crashBeforeSave'; readonly who: Party }
  | { readonly kind: 'resendOffer' }
  | { readonly kind: 'resendRevoke' }
  | { readonly kind: 'close'; readonly who: Party; readonly feeRate: bigint }
  /** CLTV: the chain reaches the payment cutoff. */
  | { readonly kind: 'expire' };

export interface Scenario {
  readonly setup: ChannelSetup;
  readonly actions: readonly Action[];
}

/**
 * Deliberate defects, to show the checker catches them:
 * - early-reveal: with each offer the sender also sends k_i, before any accept;
 * - forget-on-reject: a receiver that refuses a message forgets the offer it accepted;
 * - save-before-accept: the sender saves its state before onAccept instead of after, so a restart rolls it back behind a revoke it sent.
 */
export type Fault = 'early-reveal' | 'forget-on-reject' | 'save-before-accept';

export interface RunOptions {
  readonly fault?: Fault;
  readonly stats?: RunStats;
  /** Fail on an offer whose update key was altered in transit and still accepted (a known gap; off by default). */
  readonly strictUpdateKey?: boolean;
}

export class ModelViolation extends Error {
  constructor(readonly invariant: string, message: string) {
    super(`[${invariant}] ${message}`);
    this.name = 'ModelViolation';
  }
}

function violation(invariant: string, message: string): never {
  throw new ModelViolation(invariant, message);
}

/** Counts over all runs, to check that the generator exercises what the property claims. */
export class RunStats {
  readonly counts = new Map<string, number>();
  add(what: string, n = 1): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + n);
  }
  get(what: string): number {
    return this.counts.get(what) ?? 0;
  }
  summary(): string {
    return [...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k} ${v}`).join(', ');
  }
}

type Json = Record<string, unknown>;
type Outcome<T> = { ok: true; value: T } | { ok: false; error: ChannelError };

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function variantOf(name: VariantName): Variant {
  const found = VARIANTS.find((v) => v.name === name);
  if (!found) throw new Error(`unknown variant ${name}`);
  return found.variant;
}

/** The chain at the CLTV payment cutoff of the test variants (height 1000, time 1.8e9, margin 10). */
const EXPIRED_CHAIN: ChainView = { height: 1000 - CLTV_MARGIN - 1, medianTimePast: 1_800_000_000 - CLTV_MARGIN * 600 };

type NetworkFault = Extract<Action, { kind: 'holdBack' | 'duplicate' | 'drop' | 'flipBit' | 'mutateField' }>;

function isNetworkFault(a: Action): a is NetworkFault {
  return a.kind === 'holdBack' || a.kind === 'duplicate' || a.kind === 'drop' || a.kind === 'flipBit' || a.kind === 'mutateField';
}

export class ProtocolRun {
  sender: Sender;
  receiver: Receiver;
  readonly net = new LossyNetwork();
  private savedSender: string;
  private savedReceiver: string;
  private chain: ChainView = CHAIN;
  private crashNext: Party | undefined;
  private readonly armed: NetworkFault[] = [];
  private step = 0;

  // What the run knows independently of the parties.
  private readonly capacity: bigint;
  private readonly paymentFee: bigint;
  private readonly variant: Variant;
  private readonly fundingTx: Transaction;
  private readonly fundingPrevout: { script: Uint8Array; value: bigint };
  private readonly obscuringFactor: bigint;
  private readonly receiverPayoutScript = p2wpkhScript(keys.receiverPayout.pub);
  private readonly senderPayoutScript = p2wpkhScript(keys.senderPayout.pub);

  /** agreed[i]: the receiver's total in state i, recorded when the sender moved to state i. */
  private readonly agreed: bigint[] = [0n];
  /** The offer of each state as first sent: a resend must be identical. */
  private readonly offers = new Map<number, { amount: bigint; bytes: string }>();
  /** Highest state of which the sender was seen holding the receiver's valid signature on its own version. */
  private maxSafe = -1;
  /** The sender's verified version of each state, for the penalty check at the end. */
  private readonly senderVersions = new Map<number, Transaction>();
  /** State m -> step at which k_m was first seen leaving the sender. */
  private readonly revealed = new Map<number, number>();
  private readonly secretHex: string[] = [];
  private readonly verified = new Set<string>();
  private readonly closeRates = new Set<string>();
  private checkedSender = '';
  private checkedReceiver = '';
  /** Whether any message was lost, a close proposed, a state rolled back, or the channel expired: the run then need not settle. */
  lossy = false;

  private readonly fault: Fault | undefined;
  private readonly stats: RunStats;

  constructor(readonly setup: ChannelSetup, private readonly opts: RunOptions = {}) {
    this.fault = opts.fault;
    this.stats = opts.stats ?? new RunStats();
    this.variant = variantOf(setup.variant);
    const c = openChannel(this.variant, setup.capacity, setup.feeRate, CLTV_MARGIN);
    this.sender = c.sender;
    this.receiver = c.receiver;
    this.fundingTx = c.fundingTx;
    this.capacity = setup.capacity;
    this.paymentFee = feeForWeight(PAYMENT_WEIGHT, setup.feeRate);
    const vout = this.sender.funding!.vout;
    this.fundingPrevout = { script: this.fundingTx.outs[vout]!.script, value: this.fundingTx.outs[vout]!.value };
    if (this.fundingPrevout.value !== setup.capacity) throw new Error('funding output does not pay the capacity');
    this.obscuringFactor = deriveObscuringFactor(keys.senderFunding.pub, keys.receiverFunding.pub);
    this.savedSender = JSON.stringify(this.sender.toJSON());
    this.savedReceiver = JSON.stringify(this.receiver.toJSON());
    this.checkInvariants();
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
      this.checkInvariants();
      const ready = this.armed.filter((f) => this.net.size(f.dir) > 0);
      for (const f of ready) {
        this.armed.splice(this.armed.indexOf(f), 1);
        this.apply(f);
        this.checkInvariants();
      }
    }
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
        if (this.net.take(a.dir, a.pick)) this.lossy = true;
        return;
      case 'flipBit':
      case 'mutateField': {
        const p = a.keep ? this.net.peek(a.dir, a.pick) : this.net.take(a.dir, a.pick);
        if (!p) return;
        if (!a.keep) this.lossy = true;
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
        // What the party produced is lost with it: the run need not settle.
        this.crashNext = a.who;
        this.lossy = true;
        return;
      case 'resendOffer': return this.resendOffer();
      case 'resendRevoke': return this.resendRevoke();
      case 'close': return this.close(a.who, a.feeRate);
      case 'expire':
        if (this.variant.kind === 'cltv') {
          this.chain = EXPIRED_CHAIN;
          this.lossy = true;
        }
    }
  }

  private incrementFor(inc: Increment): bigint {
    return 'sats' in inc ? inc.sats : this.capacity - this.paymentFee - this.sender.amount - inc.below;
  }

  private pay(inc: Increment): void {
    const increment = this.incrementFor(inc);
    const s = this.sender;
    const total = s.amount + increment;
    const expected = s.phase !== 'open' ? 'CHANNEL_CLOSED'
      : s.pending ? 'PAYMENT_PENDING'
        : increment <= 0n ? 'INVALID_AMOUNT'
          : total > this.capacity - this.paymentFee ? 'AMOUNT_EXCEEDS_CAPACITY' : undefined;
    const r = this.attempt('sender', 'pay', () => this.sender.pay(increment));
    this.expectOutcome('pay', r, expected);
    this.stats.add(`pay ${r.ok ? 'offered' : `refused: ${r.error.code}`}`);
    if (!r.ok) return;
    if (this.crashed('sender')) return;
    const offer = r.value;
    if (offer.index !== s.index + 1 || offer.amount !== total) violation('model', `offer for state ${offer.index} amount ${offer.amount}`);
    this.saved('sender');
    const bytes = this.send('toReceiver', offer);
    this.offers.set(offer.index, { amount: offer.amount, bytes: Buffer.from(bytes).toString('utf8') });
    if (this.fault === 'early-reveal') {
      this.send('toReceiver', { type: 'revoke', channelId: offer.channelId, index: this.sender.index, secret: deriveUpdateSecret(senderSecrets.updateSeed, BigInt(this.sender.index)) });
    }
  }

  private resendOffer(): void {
    const pending = this.sender.pending;
    const r = this.attempt('sender', 'pendingOffer', () => this.sender.pendingOffer());
    this.expectOutcome('pendingOffer', r, pending ? undefined : 'UNEXPECTED_MESSAGE');
    if (!r.ok) return;
    const bytes = Buffer.from(encodePacket(r.value)).toString('utf8');
    const first = this.offers.get(r.value.index);
    if (first && first.bytes !== bytes) violation('model', `resent offer for state ${r.value.index} differs from the first one`);
    this.send('toReceiver', r.value);
  }

  private resendRevoke(): void {
    const r = this.attempt('sender', 'lastRevoke', () => this.sender.lastRevoke());
    this.expectOutcome('lastRevoke', r, this.sender.index === 0 ? 'UNEXPECTED_MESSAGE' : undefined);
    if (!r.ok) return;
    if (r.value.index !== this.sender.index - 1) violation('model', `lastRevoke revokes state ${r.value.index} in state ${this.sender.index}`);
    this.send('toReceiver', r.value);
  }

  private closeFailure(phase: string, pending: boolean, amount: bigint, feeRate: bigint): string | undefined {
    if (phase === 'closing' || phase === 'closed') return 'CHANNEL_CLOSED';
    if (pending) return 'PAYMENT_PENDING';
    const rest = this.capacity - amount - feeForWeight(CLOSE_WEIGHT, feeRate);
    if (rest < 0n || (amount < DUST_P2WPKH && rest < DUST_P2WPKH)) return 'FEE_EXCEEDS_OUTPUT';
    return undefined;
  }

  private close(who: Party, feeRate: bigint): void {
    this.lossy = true;
    if (who === 'sender') {
      const s = this.sender;
      const expected = this.closeFailure(s.phase, s.pending !== undefined, s.amount, feeRate);
      const r = this.attempt('sender', 'proposeClose', () => this.sender.proposeClose(feeRate));
      this.expectOutcome('sender proposeClose', r, expected);
      if (!r.ok || this.crashed('sender')) return;
      this.closeRates.add(feeRate.toString());
      this.saved('sender');
      this.send('toReceiver', r.value);
    } else {
      const rc = this.receiver;
      const expected = this.closeFailure(rc.phase, rc.pendingAmount !== undefined, rc.amount, feeRate);
      const r = this.attempt('receiver', 'proposeClose', () => this.receiver.proposeClose(feeRate));
      this.expectOutcome('receiver proposeClose', r, expected);
      if (!r.ok || this.crashed('receiver')) return;
      this.closeRates.add(feeRate.toString());
      this.saved('receiver');
      this.send('toSender', r.value);
    }
  }

  private restart(who: Party): void {
    if (who === 'sender') {
      this.sender = Sender.restore(JSON.parse(this.savedSender), senderSecrets);
      if (JSON.stringify(this.sender.toJSON()) !== this.savedSender) violation('restart', 'restored sender saves differently');
      this.checkedSender = '';
    } else {
      this.receiver = Receiver.restore(JSON.parse(this.savedReceiver), receiverSecrets);
      if (JSON.stringify(this.receiver.toJSON()) !== this.savedReceiver) violation('restart', 'restored receiver saves differently');
      this.checkedReceiver = '';
    }
  }

  /** Deliver everything in order, held packets last. */
  private deliverAll(): void {
    for (let n = 0; n < 64; n++) {
      let dir: Direction | undefined = this.net.size('toReceiver') > 0 ? 'toReceiver' : this.net.size('toSender') > 0 ? 'toSender' : undefined;
      if (!dir) {
        this.net.release('toReceiver');
        this.net.release('toSender');
        dir = this.net.size('toReceiver') > 0 ? 'toReceiver' : this.net.size('toSender') > 0 ? 'toSender' : undefined;
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
      json = JSON.parse(Buffer.from(p.bytes).toString('utf8'));
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
    const handled = who === 'receiver' ? this.toReceiver(m) : this.toSender(m);
    if (handled === 'refused' || handled === 'ignored') return;
    if (!tampered) return;
    const sent = JSON.parse(Buffer.from(p.sent).toString('utf8')) as Json;
    const got = encodeMessage(m) as Json;
    const changed = Object.keys(got).filter((k) => JSON.stringify(got[k]) !== JSON.stringify(sent[k]));
    if (changed.length === 0) return;
    if (m.type === 'offer' && changed.join() === 'updateKey' && !this.opts.strictUpdateKey) {
      // Known: no signature covers an offer's K_{i+1}, so the receiver cannot tell an altered one (see the pending test).
      this.stats.add('offers with an altered update key accepted');
      this.lossy = true;
      return;
    }
    violation('rejection', `the ${who} accepted a corrupted ${m.type} (${changed.join(', ')} changed): ${Buffer.from(p.bytes).toString('utf8')}`);
  }

  private toReceiver(m: Message): 'accepted' | 'refused' | 'ignored' {
    switch (m.type) {
      case 'offer': {
        const r = this.attempt('receiver', 'onOffer', () => this.receiver.onOffer(m, this.chain));
        if (!r.ok) return this.refused('receiver', m.type, r.error);
        const first = this.offers.get(m.index);
        if (!first || first.amount !== m.amount) violation('agreement', `receiver accepted an offer of state ${m.index} the sender never made`);
        this.stats.add('offers accepted');
        if (this.crashed('receiver')) return 'accepted';
        this.saved('receiver');
        this.send('toSender', r.value);
        return 'accepted';
      }
      case 'revoke': {
        const before = this.receiver.amount;
        const r = this.attempt('receiver', 'onRevoke', () => this.receiver.onRevoke(m));
        if (!r.ok) return this.refused('receiver', m.type, r.error);
        const got = r.value;
        if (got.index !== m.index + 1 || got.amount !== this.agreed[got.index] || got.increment !== got.amount - before) {
          violation('agreement', `receiver reports ${JSON.stringify({ ...got, amount: String(got.amount), increment: String(got.increment) })}`);
        }
        this.stats.add('payments final');
        if (this.crashed('receiver')) return 'accepted';
        this.saved('receiver');
        return 'accepted';
      }
      case 'close_offer': {
        const r = this.attempt('receiver', 'onCloseOffer', () => this.receiver.onCloseOffer(m));
        if (!r.ok) return this.refused('receiver', m.type, r.error);
        this.stats.add('closes signed by the receiver');
        if (this.crashed('receiver')) return 'accepted';
        this.saved('receiver');
        this.send('toSender', r.value.message);
        return 'accepted';
      }
      case 'close_signed': {
        const r = this.attempt('receiver', 'onCloseSigned', () => this.receiver.onCloseSigned(m));
        if (!r.ok) return this.refused('receiver', m.type, r.error);
        this.stats.add('closes completed by the receiver');
        if (!this.crashed('receiver')) this.saved('receiver');
        return 'accepted';
      }
      default:
        this.stats.add('no receiver handler');
        return 'ignored';
    }
  }

  private toSender(m: Message): 'accepted' | 'refused' | 'ignored' {
    switch (m.type) {
      case 'accept': {
        const saveBefore = this.fault === 'save-before-accept' ? JSON.stringify(this.sender.toJSON()) : undefined;
        const r = this.attempt('sender', 'onAccept', () => this.sender.onAccept(m));
        if (!r.ok) return this.refused('sender', m.type, r.error);
        this.stats.add('accepts taken');
        if (this.crashed('sender')) return 'accepted';
        if (saveBefore !== undefined) this.savedSender = saveBefore;
        else this.saved('sender');
        this.noteSenderState();
        this.send('toReceiver', r.value);
        return 'accepted';
      }
      case 'close_offer': {
        const r = this.attempt('sender', 'onCloseOffer', () => this.sender.onCloseOffer(m, SENDER_MAX_CLOSE_FEE_RATE));
        if (!r.ok) return this.refused('sender', m.type, r.error);
        if (m.feeRate > SENDER_MAX_CLOSE_FEE_RATE) violation('model', `sender signed a close at ${m.feeRate} sat/kw, above its bound`);
        this.stats.add('closes signed by the sender');
        if (this.crashed('sender')) return 'accepted';
        this.saved('sender');
        this.send('toReceiver', r.value.message);
        return 'accepted';
      }
      case 'close_signed': {
        const r = this.attempt('sender', 'onCloseSigned', () => this.sender.onCloseSigned(m));
        if (!r.ok) return this.refused('sender', m.type, r.error);
        this.stats.add('closes completed by the sender');
        if (!this.crashed('sender')) this.saved('sender');
        return 'accepted';
      }
      default:
        this.stats.add('no sender handler');
        return 'ignored';
    }
  }

  private refused(who: Party, type: string, e: ChannelError): 'refused' {
    this.stats.add(`${who} refused ${type}: ${e.code}`);
    return 'refused';
  }

  // ---- the parties' calls, saving and sending

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

  /** The party's state changed: it saves it before anything it produced is sent. */
  private saved(who: Party): void {
    if (who === 'sender') this.savedSender = JSON.stringify(this.sender.toJSON());
    else this.savedReceiver = JSON.stringify(this.receiver.toJSON());
  }

  /** If the party was set to crash, it loses the change: back to its saved state, and nothing it produced leaves it. */
  private crashed(who: Party): boolean {
    if (this.crashNext !== who) return false;
    this.crashNext = undefined;
    this.lossy = true;
    this.stats.add(`${who} crashed before saving`);
    this.restart(who);
    return true;
  }

  private send(dir: Direction, m: Message): Uint8Array {
    const bytes = this.net.send(dir, m);
    if (dir === 'toReceiver') this.checkOutgoing(Buffer.from(bytes).toString('utf8'), m.type);
    if (m.type === 'revoke') {
      this.stats.add('revokes sent');
      if (hexOf(m.secret) !== this.secret(m.index)) violation('secrets', `revoke of state ${m.index} carries another secret`);
    }
    return bytes;
  }

  // ---- invariants

  private secret(m: number): string {
    while (this.secretHex.length <= m) this.secretHex.push(hexOf(deriveUpdateSecret(senderSecrets.updateSeed, BigInt(this.secretHex.length))));
    return this.secretHex[m]!;
  }

  /** Any k_m found in what leaves the sender must be of a state before one the sender holds signed. */
  private checkOutgoing(text: string, what: string): void {
    const highest = Math.max(this.sender.index, this.sender.pending?.index ?? 0) + 1;
    for (let m = 0; m <= highest; m++) {
      if (!text.includes(this.secret(m))) continue;
      if (this.maxSafe <= m) {
        violation('secrets', `k_${m} left the sender in ${what} while the latest state it held signed was ${this.maxSafe}`);
      }
      if (!this.revealed.has(m)) this.revealed.set(m, this.step);
    }
  }

  private verifyOnce(tx: Transaction, what: string): void {
    const hex = tx.toHex();
    if (this.verified.has(hex)) return;
    const input = tx.ins[0];
    if (tx.ins.length !== 1 || !input || Buffer.from(input.hash).reverse().toString('hex') !== this.fundingTx.getId() || input.index !== this.sender.funding!.vout) {
      violation('interpreter', `${what} does not spend the funding output alone`);
    }
    try {
      verifyInputs(tx.toBuffer(), [this.fundingPrevout]);
    } catch (e) {
      violation('interpreter', `${what} ${tx.getId()}: ${(e as Error).message}`);
    }
    this.verified.add(hex);
    this.stats.add('transactions verified by the interpreter');
  }

  private outputsOf(tx: Transaction): string[] {
    return tx.outs.map((o) => `${hexOf(o.script)}:${o.value}`);
  }

  private expectOutputs(tx: Transaction, what: string, outs: { script: Uint8Array; value: bigint; dust: bigint }[]): void {
    const want = outs.filter((o) => o.value >= o.dust).map((o) => `${hexOf(o.script)}:${o.value}`);
    const got = this.outputsOf(tx);
    if (JSON.stringify(got) !== JSON.stringify(want)) violation('broadcast', `${what} pays ${got.join(', ')}; expected ${want.join(', ')}`);
  }

  private stateOf(tx: Transaction): number | undefined {
    const s = decodeStateNumber(tx.locktime, tx.ins[0]!.sequence, this.obscuringFactor);
    return s === undefined ? undefined : Number(s);
  }

  /** The sender's own version of its latest state: it verifies, pays it its balance less the fee, and is not revoked. */
  private noteSenderState(): void {
    const s = this.sender;
    const tx = s.latestTransaction();
    this.verifyOnce(tx, `sender's version of state ${s.index}`);
    if (this.stateOf(tx) !== s.index) violation('broadcast', `sender's latest transaction encodes state ${this.stateOf(tx)}, not ${s.index}`);
    const balance = this.capacity - s.amount - this.paymentFee;
    const revocable = p2wshScript(compileRevocableScript({
      receiverRevocationKey: keys.receiverRevocation.pub, updateKey: deriveUpdateKey(senderSecrets.updateSeed, BigInt(s.index)),
      senderPayoutKey: keys.senderPayout.pub, variant: this.variant,
    }));
    this.expectOutputs(tx, `sender's version of state ${s.index}`, [
      { script: this.receiverPayoutScript, value: s.amount, dust: DUST_P2WPKH },
      { script: revocable, value: balance, dust: DUST_P2WSH },
    ]);
    if (s.index >= this.agreed.length) {
      if (s.index !== this.agreed.length) violation('agreement', `sender jumped to state ${s.index} from ${this.agreed.length - 1}`);
      const offered = this.offers.get(s.index);
      if (!offered || offered.amount !== s.amount) violation('agreement', `sender's state ${s.index} pays ${s.amount}, offered ${offered?.amount}`);
      this.agreed.push(s.amount);
    } else if (this.agreed[s.index] !== s.amount) {
      violation('agreement', `sender's state ${s.index} pays ${s.amount}, agreed ${this.agreed[s.index]}`);
    }
    this.senderVersions.set(s.index, tx);
    this.maxSafe = Math.max(this.maxSafe, s.index);
  }

  private checkClose(who: Party, json: Json, tx: Transaction | undefined): void {
    if (!tx) return;
    this.verifyOnce(tx, `${who}'s close`);
    if (tx.locktime !== 0 || tx.ins[0]!.sequence !== 0xffffffff) violation('broadcast', `${who}'s close is not final`);
    const close = json.close as Json;
    const rate = String(close.feeRate);
    if (!this.closeRates.has(rate)) violation('broadcast', `${who}'s close at ${rate} sat/kw, never proposed`);
    const amount = this.receiver.amount;
    if (amount !== this.sender.amount || String(close.amount) !== amount.toString()) {
      violation('agreement', `${who} closed at ${String(close.amount)}; final amounts ${this.sender.amount} / ${amount}`);
    }
    this.expectOutputs(tx, `${who}'s close`, [
      { script: this.receiverPayoutScript, value: amount, dust: DUST_P2WPKH },
      { script: this.senderPayoutScript, value: this.capacity - amount - feeForWeight(CLOSE_WEIGHT, BigInt(rate)), dust: DUST_P2WPKH },
    ]);
  }

  checkInvariants(): void {
    const s = this.sender;
    const r = this.receiver;
    const sj = JSON.stringify(s.toJSON());
    const rj = JSON.stringify(r.toJSON());
    const rJson = JSON.parse(rj) as Json;
    const rPending = rJson.pending as Json | null;
    const rCurrent = rJson.current as Json;

    // The sender's latest version: verified, paying its balance, not revoked; its secret never sent.
    if (sj !== this.checkedSender) {
      this.noteSenderState();
      this.checkClose('sender', JSON.parse(sj) as Json, s.closeTransaction());
      for (let m = 0; m <= s.index + 1; m++) {
        if (sj.includes(this.secret(m))) violation('secrets', `the sender's saved state holds k_${m}`);
      }
      this.checkedSender = sj;
    }
    if (s.index < this.maxSafe) violation('agreement', `sender went back from state ${this.maxSafe} to ${s.index}`);
    for (const [m, at] of this.revealed) {
      if (m >= s.index) violation('secrets', `k_${m} left the sender at step ${at}, and the sender's latest state is ${s.index}`);
    }
    if (r.isRevoked(s.index)) violation('broadcast', `the receiver holds the secret of the sender's latest state ${s.index}`);

    // Agreement on the last final state.
    const iS = s.index;
    const iR = r.index;
    if (iR !== iS && iR !== iS - 1) violation('agreement', `receiver's final state ${iR}, sender's ${iS}`);
    if (r.amount !== this.agreed[iR]) violation('agreement', `receiver's final amount ${r.amount} for state ${iR}, agreed ${this.agreed[iR]}`);
    if (s.amount !== this.agreed[iS]) violation('agreement', `sender's amount ${s.amount} for state ${iS}, agreed ${this.agreed[iS]}`);
    if (Number(rCurrent.index) !== iR) violation('agreement', 'receiver\'s index differs from its saved state');
    const sp = s.pending;
    if (sp && (sp.index !== iS + 1 || sp.amount <= s.amount || this.offers.get(sp.index)?.amount !== sp.amount)) {
      violation('agreement', `sender's payment in flight ${sp.index}/${sp.amount} in state ${iS}`);
    }
    if (iR === iS - 1) {
      // The receiver only waits for the revoke, which the sender can always send again.
      if (!rPending || Number(rPending.index) !== iS || String(rPending.amount) !== s.amount.toString()) {
        violation('agreement', `receiver at state ${iR} without the sender's state ${iS} accepted (pending ${JSON.stringify(rPending)})`);
      }
    } else if (rPending) {
      if (!sp || Number(rPending.index) !== sp.index || String(rPending.amount) !== sp.amount.toString()) {
        violation('agreement', `receiver accepted state ${String(rPending.index)}/${String(rPending.amount)}, sender has ${sp ? `${sp.index}/${sp.amount}` : 'nothing'} in flight`);
      }
    }

    // The receiver's best transaction: verified, paying it at least its final amount.
    if (rj !== this.checkedReceiver) {
      const best = rPending ?? rCurrent;
      const tx = r.latestTransaction();
      const index = Number(best.index);
      const amount = BigInt(String(best.amount));
      if (index === 0) {
        if (tx !== undefined) violation('broadcast', 'receiver holds a transaction of state 0');
      } else {
        if (!tx) violation('broadcast', `receiver holds no transaction for state ${index}`);
        this.verifyOnce(tx, `receiver's version of state ${index}`);
        if (this.stateOf(tx) !== index) violation('broadcast', `receiver's latest transaction encodes state ${this.stateOf(tx)}, not ${index}`);
        if (amount < r.amount) violation('broadcast', `receiver's best state pays ${amount}, less than its final ${r.amount}`);
        this.expectOutputs(tx, `receiver's version of state ${index}`, [
          { script: this.receiverPayoutScript, value: amount, dust: DUST_P2WPKH },
          { script: this.senderPayoutScript, value: this.capacity - amount - this.paymentFee, dust: DUST_P2WPKH },
        ]);
      }
      this.checkClose('receiver', rJson, r.closeTransaction());
      this.checkedReceiver = rj;
    }
    const sClose = s.closeTransaction();
    const rClose = r.closeTransaction();
    if (sClose && rClose && sClose.toHex() !== rClose.toHex()) violation('agreement', 'the parties hold different closes');
    if (sClose && r.phase === 'open') violation('agreement', 'sender holds a close the receiver never signed');
    if (rClose && s.phase === 'open') violation('agreement', 'receiver holds a close the sender never signed');
  }

  /**
   * Deliver everything, resending what was refused, until nothing moves; then
   * the parties must be in the same state with nothing in flight. Only for runs
   * in which nothing was lost.
   */
  settle(): void {
    for (let round = 0; round < 8; round++) {
      this.deliverAll();
      this.checkInvariants();
      if (this.receiver.index === this.sender.index - 1) this.resendRevoke();
      else if (this.sender.pending && this.receiver.pendingAmount === undefined) this.resendOffer();
      else break;
      this.checkInvariants();
    }
    const s = this.sender;
    const r = this.receiver;
    if (s.pending || r.pendingAmount !== undefined || s.index !== r.index || s.amount !== r.amount) {
      violation('settle', `after delivering everything: sender ${s.index}/${s.amount}${s.pending ? ` (in flight ${s.pending.index})` : ''}, receiver ${r.index}/${r.amount}${r.pendingAmount !== undefined ? ' (accepted one)' : ''}`);
    }
    this.stats.add('runs settled');
  }

  /** What the parties hold can be spent: the sender's sweep of its latest version, and the penalty of the last revoked one. */
  checkSpends(): void {
    const s = this.sender;
    const latest = this.senderVersions.get(s.index)!;
    const sweepDest = p2wpkhScript(testKey('property sweep').pub);
    const revocableOut = latest.outs.findIndex((o) => o.script.length === 34);
    if (revocableOut >= 0 && latest.outs[revocableOut]!.value > 2000n) {
      const sweep = s.timeoutSweep(latest.toBuffer(), sweepDest, 1000n);
      this.verifySpend(sweep, latest, 'sender\'s timeout sweep');
    }
    const revoked = s.index - 1;
    const old = this.senderVersions.get(revoked);
    if (revoked >= 0 && old && this.receiver.isRevoked(revoked)) {
      if (!old.outs.some((o) => o.script.length === 34)) {
        // The sender's side of that state was dust: there is nothing to punish.
        const r = this.attempt('receiver', 'penaltyTx', () => this.receiver.penaltyTx(old.toBuffer(), sweepDest, 1000n));
        this.expectOutcome('penaltyTx without a revocable output', r, 'NOTHING_TO_CLAIM');
        return;
      }
      const claim = this.receiver.penaltyTx(old.toBuffer(), sweepDest, 1000n);
      this.verifySpend(claim, old, `penalty against state ${revoked}`);
      this.stats.add('penalties verified');
    }
  }

  private verifySpend(tx: Transaction, parent: Transaction, what: string): void {
    try {
      verifyInputs(tx.toBuffer(), tx.ins.map((i) => ({ script: parent.outs[i.index]!.script, value: parent.outs[i.index]!.value })));
    } catch (e) {
      violation('interpreter', `${what}: ${(e as Error).message}`);
    }
    this.stats.add('spends verified by the interpreter');
  }
}

/** One run of a scenario: throws a ModelViolation (or the first unexpected error) if an invariant breaks. */
export function runScenario(sc: Scenario, opts: RunOptions = {}): ProtocolRun {
  const run = new ProtocolRun(sc.setup, opts);
  run.run(sc.actions);
  if (!run.lossy) run.settle();
  run.checkSpends();
  opts.stats?.add('packets overtaken', run.net.overtaken);
  return run;
}

