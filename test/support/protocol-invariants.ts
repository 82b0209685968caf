/**
 * The invariants of a protocol run, checked from what the run knows on its
 * own (the setup, the keys, the funding transaction, every message that left
 * the sender) rather than from the parties' word:
 *
 * - agreement: the receiver's final state (the last one whose predecessor's
 *   secret it holds) is the sender's latest agreed state, or the one before it
 *   while the receiver holds the sender's signature on the latest and waits
 *   only for its revoke; amounts are those the sender offered; a close is of
 *   the final amount at a proposed fee rate, the same bytes on both sides;
 * - secrets: k_m leaves the sender (in any message, dropped or not, or in its
 *   saved state) only once the sender held the receiver's valid signature on
 *   its own version of a later state, and k of the sender's current state
 *   has never left;
 * - broadcast: each party holds a transaction that pays it its final balance
 *   (less the payment fee, for the sender; dust outputs are left out), the
 *   sender's is not revoked, and a close pays each side its balance less the
 *   close fee;
 * - interpreter: every transaction either party holds passes bcoin's script
 *   interpreter against the funding output (each distinct one once).
 */
import { Transaction } from 'bitcoinjs-lib';
import {
  CLOSE_WEIGHT, PAYMENT_WEIGHT, PaymentReceived, Receiver, Sender, Variant, compileRevocableScript, decodeStateNumber,
  deriveObscuringFactor, deriveUpdateKey, deriveUpdateSecret, feeForWeight, p2wpkhScript, p2wshScript,
} from '../../lib';
import { keys, testKey } from './keys';
import { senderSecrets } from './parties';
import { verifyInputs } from './verify';

const DUST_P2WPKH = 294n;
const DUST_P2WSH = 330n;

export class ModelViolation extends Error {
  constructor(readonly invariant: string, message: string) {
    super(`[${invariant}] ${message}`);
    this.name = 'ModelViolation';
  }
}

export function violation(invariant: string, message: string): never {
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

/** A party's latest transaction; failing to build it breaks the broadcast invariant. */
function built<T>(fn: () => T, who: string): T {
  try {
    return fn();
  } catch (e) {
    return violation('broadcast', `the ${who} cannot build its latest transaction: ${(e as Error).message}`);
  }
}

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export interface OracleSetup {
  readonly variant: Variant;
  readonly capacity: bigint;
  readonly feeRate: bigint;
  readonly fundingTx: Transaction;
  readonly fundingVout: number;
}

export class ProtocolOracle {
  private readonly capacity: bigint;
  private readonly paymentFee: bigint;
  private readonly variant: Variant;
  private readonly fundingTxid: string;
  private readonly fundingVout: number;
  private readonly fundingPrevout: { script: Uint8Array; value: bigint };
  private readonly obscuringFactor: bigint;
  private readonly receiverPayoutScript = p2wpkhScript(keys.receiverPayout.pub);
  private readonly senderPayoutScript = p2wpkhScript(keys.senderPayout.pub);

  /** agreed[i]: the receiver's total in state i, recorded when the sender moved to state i. */
  private readonly agreed: bigint[] = [0n];
  /** The offer of each state as first sent: a resend must be the same bytes. */
  private readonly offers = new Map<number, { amount: bigint; bytes: string }>();
  /** Highest state of which the sender was seen holding the receiver's valid signature on its own version. */
  private maxSafe = -1;
  /** The sender's verified version of each state, for the spends checked at the end. */
  private readonly senderVersions = new Map<number, Transaction>();
  /** State m -> step at which k_m was first seen leaving the sender. */
  private readonly revealed = new Map<number, number>();
  private readonly secretHex: string[] = [];
  private readonly seedHex = hexOf(senderSecrets.updateSeed);
  private readonly verified = new Set<string>();
  private readonly closeRates = new Set<string>();
  /** The saved state each party had when its transactions were last checked. */
  private checked: { sender: string; receiver: string } = { sender: '', receiver: '' };

  constructor(s: OracleSetup, private readonly stats: RunStats) {
    this.capacity = s.capacity;
    this.variant = s.variant;
    this.paymentFee = feeForWeight(PAYMENT_WEIGHT, s.feeRate);
    this.fundingTxid = s.fundingTx.getId();
    this.fundingVout = s.fundingVout;
    const out = s.fundingTx.outs[s.fundingVout]!;
    if (out.value !== s.capacity) throw new Error('funding output does not pay the capacity');
    this.fundingPrevout = { script: out.script, value: out.value };
    this.obscuringFactor = deriveObscuringFactor(keys.senderFunding.pub, keys.receiverFunding.pub);
  }

  get fee(): bigint {
    return this.paymentFee;
  }

  // ---- what the run tells the oracle

  offerSent(index: number, amount: bigint, bytes: string): void {
    this.offers.set(index, { amount, bytes });
  }

  offerResent(index: number, bytes: string): void {
    const first = this.offers.get(index);
    if (first && first.bytes !== bytes) violation('model', `resent offer for state ${index} differs from the first one`);
  }

  /** The receiver took an offer: one the sender made. */
  offerAccepted(index: number, amount: bigint): void {
    if (this.offers.get(index)?.amount !== amount) violation('agreement', `receiver accepted an offer of state ${index} the sender never made`);
  }

  /** What onRevoke reports is the agreed payment. */
  paymentReceived(got: PaymentReceived, revokedIndex: number, before: bigint): void {
    if (got.index !== revokedIndex + 1 || got.amount !== this.agreed[got.index] || got.increment !== got.amount - before) {
      violation('agreement', `receiver reports state ${got.index}, amount ${got.amount}, increment ${got.increment}`);
    }
  }

  closeProposed(feeRate: bigint): void {
    this.closeRates.add(feeRate.toString());
  }

  /** A party was replaced (restart, crash): its transactions are checked again. */
  forget(who: 'sender' | 'receiver'): void {
    this.checked = { ...this.checked, [who]: '' };
  }

  // ---- secrets

  secret(m: number): string {
    while (this.secretHex.length <= m) this.secretHex.push(hexOf(deriveUpdateSecret(senderSecrets.updateSeed, BigInt(this.secretHex.length))));
    return this.secretHex[m]!;
  }

  /** Any k_m in what leaves the sender must be of a state before one the sender holds signed; the seed never leaves. */
  outgoing(sender: Sender, text: string, what: string, step: number): void {
    if (text.includes(this.seedHex)) violation('secrets', `the update seed left the sender in ${what}`);
    const highest = Math.max(sender.index, sender.pending?.index ?? 0) + 1;
    for (let m = 0; m <= highest; m++) {
      if (!text.includes(this.secret(m))) continue;
      if (this.maxSafe <= m) violation('secrets', `k_${m} left the sender in ${what} while the latest state it held signed was ${this.maxSafe}`);
      if (!this.revealed.has(m)) this.revealed.set(m, step);
    }
  }

  revokeSent(index: number, secret: Uint8Array): void {
    if (hexOf(secret) !== this.secret(index)) violation('secrets', `revoke of state ${index} carries another secret`);
  }

  // ---- transactions

  private verifyOnce(tx: Transaction, what: string): void {
    const hex = tx.toHex();
    if (this.verified.has(hex)) return;
    const input = tx.ins[0];
    if (tx.ins.length !== 1 || !input || Buffer.from(input.hash).reverse().toString('hex') !== this.fundingTxid || input.index !== this.fundingVout) {
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

  private expectOutputs(tx: Transaction, what: string, outs: { script: Uint8Array; value: bigint; dust: bigint }[]): void {
    const want = outs.filter((o) => o.value >= o.dust).map((o) => `${hexOf(o.script)}:${o.value}`);
    const got = tx.outs.map((o) => `${hexOf(o.script)}:${o.value}`);
    if (JSON.stringify(got) !== JSON.stringify(want)) violation('broadcast', `${what} pays ${got.join(', ')}; expected ${want.join(', ')}`);
  }

  private stateOf(tx: Transaction): number | undefined {
    const s = decodeStateNumber(tx.locktime, tx.ins[0]!.sequence, this.obscuringFactor);
    return s === undefined ? undefined : Number(s);
  }

  /**
   * The sender's version of its latest state: it verifies, encodes the state,
   * and pays the receiver its amount and the sender its balance less the fee
   * to the revocable output with K_i. From then on k of earlier states may go.
   */
  senderState(s: Sender): void {
    const tx = built(() => s.latestTransaction(), 'sender');
    const what = `sender's version of state ${s.index}`;
    this.verifyOnce(tx, what);
    if (this.stateOf(tx) !== s.index) violation('broadcast', `sender's latest transaction encodes state ${this.stateOf(tx)}, not ${s.index}`);
    const revocable = p2wshScript(compileRevocableScript({
      receiverRevocationKey: keys.receiverRevocation.pub, updateKey: deriveUpdateKey(senderSecrets.updateSeed, BigInt(s.index)),
      senderPayoutKey: keys.senderPayout.pub, variant: this.variant,
    }));
    this.expectOutputs(tx, what, [
      { script: this.receiverPayoutScript, value: s.amount, dust: DUST_P2WPKH },
      { script: revocable, value: this.capacity - s.amount - this.paymentFee, dust: DUST_P2WSH },
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

  private receiverState(r: Receiver, rJson: Json): void {
    const best = (rJson.pending ?? rJson.current) as Json;
    const index = Number(best.index);
    const amount = BigInt(String(best.amount));
    const tx = built(() => r.latestTransaction(), 'receiver');
    if (index === 0) {
      if (tx !== undefined) violation('broadcast', 'receiver holds a transaction of state 0');
      return;
    }
    const what = `receiver's version of state ${index}`;
    if (!tx) violation('broadcast', `receiver holds no transaction for state ${index}`);
    this.verifyOnce(tx, what);
    if (this.stateOf(tx) !== index) violation('broadcast', `receiver's latest transaction encodes state ${this.stateOf(tx)}, not ${index}`);
    if (amount < r.amount) violation('broadcast', `receiver's best state pays ${amount}, less than its final ${r.amount}`);
    this.expectOutputs(tx, what, [
      { script: this.receiverPayoutScript, value: amount, dust: DUST_P2WPKH },
      { script: this.senderPayoutScript, value: this.capacity - amount - this.paymentFee, dust: DUST_P2WPKH },
    ]);
  }

  private close(who: string, json: Json, tx: Transaction | undefined, s: Sender, r: Receiver): void {
    if (!tx) return;
    this.verifyOnce(tx, `${who}'s close`);
    if (tx.locktime !== 0 || tx.ins[0]!.sequence !== 0xffffffff) violation('broadcast', `${who}'s close is not final`);
    const c = json.close as Json;
    const rate = String(c.feeRate);
    if (!this.closeRates.has(rate)) violation('broadcast', `${who}'s close at ${rate} sat/kw, never proposed`);
    const amount = r.amount;
    if (amount !== s.amount || String(c.amount) !== amount.toString()) {
      violation('agreement', `${who} closed at ${String(c.amount)}; final amounts ${s.amount} / ${amount}`);
    }
    this.expectOutputs(tx, `${who}'s close`, [
      { script: this.receiverPayoutScript, value: amount, dust: DUST_P2WPKH },
      { script: this.senderPayoutScript, value: this.capacity - amount - feeForWeight(CLOSE_WEIGHT, BigInt(rate)), dust: DUST_P2WPKH },
    ]);
  }

  // ---- after every step

  check(s: Sender, r: Receiver): void {
    const sj = JSON.stringify(s.toJSON());
    const rj = JSON.stringify(r.toJSON());
    const rJson = JSON.parse(rj) as Json;
    const rPending = rJson.pending as Json | null;

    // Secrets and the sender's transactions.
    if (sj !== this.checked.sender) {
      this.senderState(s);
      this.close('sender', JSON.parse(sj) as Json, s.closeTransaction(), s, r);
      if (sj.includes(this.seedHex)) violation('secrets', 'the sender\'s saved state holds its update seed');
      for (let m = 0; m <= s.index + 1; m++) {
        if (sj.includes(this.secret(m))) violation('secrets', `the sender's saved state holds k_${m}`);
      }
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
    if (Number((rJson.current as Json).index) !== iR) violation('agreement', 'receiver\'s index differs from its saved state');
    const sp = s.pending;
    if (sp && (sp.index !== iS + 1 || sp.amount <= s.amount || this.offers.get(sp.index)?.amount !== sp.amount)) {
      violation('agreement', `sender's payment in flight ${sp.index}/${sp.amount} in state ${iS}`);
    }
    if (iR === iS - 1) {
      // The receiver waits only for the revoke, which the sender can always send again.
      if (!rPending || Number(rPending.index) !== iS || String(rPending.amount) !== s.amount.toString()) {
        violation('agreement', `receiver at state ${iR} without the sender's state ${iS} accepted (pending ${JSON.stringify(rPending)})`);
      }
    } else if (rPending) {
      if (!sp || Number(rPending.index) !== sp.index || String(rPending.amount) !== sp.amount.toString()) {
        violation('agreement', `receiver accepted state ${String(rPending.index)}/${String(rPending.amount)}, sender has ${sp ? `${sp.index}/${sp.amount}` : 'nothing'} in flight`);
      }
    }

    // The receiver's transactions.
    if (rj !== this.checked.receiver) {
      this.receiverState(r, rJson);
      this.close('receiver', rJson, r.closeTransaction(), s, r);
    }
    const sClose = s.closeTransaction();
    const rClose = r.closeTransaction();
    // The two may hold different closes: a proposal asked again at another rate, answered twice, crossing a
    // reply. Each is checked above to pay the final amount at a proposed rate, and either may confirm.
    if (sClose && r.phase === 'open') violation('agreement', 'sender holds a close the receiver never signed');
    if (rClose && s.phase === 'open') violation('agreement', 'receiver holds a close the sender never signed');
    this.checked = { sender: sj, receiver: rj };
  }

  /**
   * What the parties hold can be spent: the sender's timeout sweep of its
   * latest version, and the receiver's penalty against the last revoked one.
   */
  spends(s: Sender, r: Receiver): void {
    const dest = p2wpkhScript(testKey('property sweep').pub);
    const latest = this.senderVersions.get(s.index)!;
    const own = latest.outs.find((o) => o.script.length === 34);
    if (own && own.value > 2000n) this.verifySpend(s.timeoutSweep(latest.toBuffer(), dest, 1000n), latest, 'sender\'s timeout sweep');
    const revoked = s.index - 1;
    const old = this.senderVersions.get(revoked);
    if (revoked < 0 || !old || !r.isRevoked(revoked)) return;
    if (!old.outs.some((o) => o.script.length === 34)) {
      // The sender's side of that state was dust: nothing to punish.
      try {
        r.penaltyTx(old.toBuffer(), dest, 1000n);
      } catch (e) {
        if ((e as { code?: string }).code === 'NOTHING_TO_CLAIM') return;
        throw e;
      }
      violation('broadcast', `penalty against state ${revoked} without a revocable output`);
    }
    this.verifySpend(r.penaltyTx(old.toBuffer(), dest, 1000n), old, `penalty against state ${revoked}`);
    this.stats.add('penalties verified');
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
