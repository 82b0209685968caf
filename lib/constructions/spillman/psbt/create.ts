/**
 * The Spillman construction's spends as PSBTs, for hardware wallets and
 * interop, and the descriptors of its scripts. Each PSBT wraps the builder
 * the parties use, described as a plan for the generic PSBT maker, so its
 * unsigned transaction is byte-equal to what the parties sign without PSBT.
 * The generic finalizer completes them from the registered templates: the
 * 2-of-2's multisig branch in Form S, spillman-cltv's payment or refund
 * branch in Form C (the refund by the sender's signature alone, nLockTime L).
 */
import { Psbt, Transaction } from 'bitcoinjs-lib';
import { expectObject } from '../../../core/arguments';
import { fail } from '../../../core/errors';
import { bytesEqual } from '../../../core/hash';
import { PublicKey } from '../../../core/types';
import { DescriptorKey, fundingDescriptor, p2wpkhDescriptor, templateDescriptor } from '../../../psbt/descriptor';
import { psbtFromPlan } from '../../../psbt/from-plan';
import { KeyOrigin, KeyOrigins, originList } from '../../../psbt/key-origin';
import { buildFundingSpendTx, planFundingSpend } from '../../../tx/funding-spend';
import { SpillmanContext, expectSpillmanContext } from '../params';
import { SPILLMAN_CLTV_TEMPLATE } from '../templates';
import {
  SpillmanCloseParams, SpillmanPaymentParams, SpillmanRefundParams, spillmanCloseSpend, spillmanPaymentSpend, spillmanRefundSpend,
} from '../tx/spends';

/** The Spillman channel's key roles' origins, as many as the caller knows. */
export type SpillmanKeyOrigins = {
  /** The origin of the sender's funding key. */
  readonly senderFunding?: KeyOrigin;
  /** The origin of the receiver's funding key. */
  readonly receiverFunding?: KeyOrigin;
  /** The origin of the sender's payout key. */
  readonly senderPayout?: KeyOrigin;
  /** The origin of the receiver's payout key. */
  readonly receiverPayout?: KeyOrigin;
};

const ROLES = ['senderFunding', 'receiverFunding', 'senderPayout', 'receiverPayout'] as const;

/** What a Spillman PSBT carries beyond the transaction. */
export interface SpillmanPsbtOptions {
  /** Origins of the channel's keys, by role or as a list, for the bip32Derivation of inputs and outputs. */
  readonly origins?: SpillmanKeyOrigins | KeyOrigins;
  /** The funding transaction, added as nonWitnessUtxo for wallets that insist on it. */
  readonly fundingTx?: Uint8Array;
}

function origins(o: SpillmanPsbtOptions): KeyOrigin[] {
  expectObject(o, 'options');
  const given = o.origins;
  if (given === undefined || given === null || typeof given !== 'object' || Array.isArray(given)) return originList(given as KeyOrigins | undefined);
  const byRole = given as Readonly<Record<string, KeyOrigin | undefined>>;
  // In the channel's role order, whatever order the caller wrote: the same keys give the same PSBT.
  const roles: Record<string, KeyOrigin | undefined> = {};
  for (const r of ROLES) roles[r] = byRole[r];
  return originList(roles);
}

function spendPsbt(ctx: SpillmanContext, tx: Transaction, opts: SpillmanPsbtOptions): Psbt {
  const list = origins(opts);
  return psbtFromPlan(planFundingSpend(ctx.funding, tx, { ...(opts.fundingTx ? { fundingTx: opts.fundingTx } : {}) }), list);
}

/**
 * The refund as a PSBT of the funding input: for the sender's hardware
 * wallet, and in Form S for the receiver's signature too.
 *
 * @param p - As {@link buildSpillmanRefundTx}.
 * @param opts - Key origins, and the funding transaction for wallets that want it.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` or `opts` is not an object, `ctx` is not a checked context, `sequence` is not a uint32, or `opts.origins` is neither a list nor an object by role.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if `sequence` is final.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `opts.fundingTx` does not parse or is not the channel's funding transaction.
 */
export function createSpillmanRefundPsbt(p: SpillmanRefundParams, opts: SpillmanPsbtOptions = {}): Psbt {
  const spend = spillmanRefundSpend(p);
  return spendPsbt(p.ctx, buildFundingSpendTx(spend), opts);
}

/**
 * Payment T3_i as a PSBT of the funding input.
 *
 * @param p - As {@link buildSpillmanPaymentTx}.
 * @param opts - Key origins, and the funding transaction for wallets that want it.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` or `opts` is not an object, `ctx` is not a checked context, `index` is out of range, or `opts.origins` is neither a list nor an object by role.
 * @throws {@link ChannelError} `INVALID_AMOUNT`, `AMOUNT_BELOW_DUST`, `AMOUNT_EXCEEDS_CAPACITY` as {@link buildSpillmanPaymentTx}.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `opts.fundingTx` does not parse or is not the channel's funding transaction.
 */
export function createSpillmanPaymentPsbt(p: SpillmanPaymentParams, opts: SpillmanPsbtOptions = {}): Psbt {
  const spend = spillmanPaymentSpend(p);
  return spendPsbt(p.ctx, buildFundingSpendTx(spend), opts);
}

/**
 * The cooperative close as a PSBT of the funding input.
 *
 * @param p - As {@link buildSpillmanCloseTx}.
 * @param opts - Key origins, and the funding transaction for wallets that want it.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` or `opts` is not an object, `ctx` is not a checked context, or `opts.origins` is neither a list nor an object by role.
 * @throws {@link ChannelError} `INVALID_FEE_RATE`, `INVALID_AMOUNT`, `AMOUNT_BELOW_DUST`, `AMOUNT_EXCEEDS_CAPACITY`, `FEE_EXCEEDS_OUTPUT` as {@link buildSpillmanCloseTx}.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `opts.fundingTx` does not parse or is not the channel's funding transaction.
 */
export function createSpillmanClosePsbt(p: SpillmanCloseParams, opts: SpillmanPsbtOptions = {}): Psbt {
  const spend = spillmanCloseSpend(p);
  return spendPsbt(p.ctx, buildFundingSpendTx(spend), opts);
}

/** Descriptors of a Spillman channel's scripts. */
export interface SpillmanDescriptors {
  /** The funding output: `wsh(sortedmulti(2,...))` in Form S, `wsh(and_v(v:pk(S_f),or_d(pk(R_f),after(L))))` in Form C. */
  readonly funding: string;
  /** `wpkh(...)` of the sender's payout key: its change and its refund. */
  readonly senderPayout: string;
  /** `wpkh(...)` of the receiver's payout key. */
  readonly receiverPayout: string;
}

/**
 * The channel's descriptors (BIP 380), each key with its origin where given
 * (a party usually knows only its own); an origin must be of the channel's
 * key in that role.
 *
 * @param ctx - From {@link verifySpillmanParams}.
 * @param o - Origins of the keys this party knows, by role.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context, `o` is not an object, or an origin's fingerprint or path is malformed.
 * @throws {@link ChannelError} `INVALID_KEY` if an origin is of another key than the channel's in that role.
 *
 * @example
 * ```ts
 * const d = spillmanDescriptors(ctx, { senderFunding: keyOrigin(master, "m/1017'/1'/0'/0/3") });
 * d.funding; // "wsh(and_v(v:pk([73c5da0a/1017'/1'/0'/0/3]02...),or_d(pk(03...),after(5000))))#checksum"
 * ```
 */
export function spillmanDescriptors(ctx: SpillmanContext, o: SpillmanKeyOrigins = {}): SpillmanDescriptors {
  expectSpillmanContext(ctx);
  expectObject(o, 'origins');
  const p = ctx.params;
  const withOrigin = (key: PublicKey, origin: KeyOrigin | undefined, role: string): DescriptorKey => {
    if (origin === undefined) return key;
    if (origin === null || typeof origin !== 'object' || !(origin.pubkey instanceof Uint8Array) || !bytesEqual(origin.pubkey, key)) {
      fail('INVALID_KEY', `the origin given for ${role} is of another key`);
    }
    return origin;
  };
  const S_f = withOrigin(p.senderFundingKey, o.senderFunding, 'senderFunding');
  const R_f = withOrigin(p.receiverFundingKey, o.receiverFunding, 'receiverFunding');
  return {
    funding: p.form === 'S'
      ? fundingDescriptor({ senderFundingKey: S_f, receiverFundingKey: R_f })
      : templateDescriptor(SPILLMAN_CLTV_TEMPLATE, { S_f, R_f, L: p.lockTime }),
    senderPayout: p2wpkhDescriptor(withOrigin(p.senderPayoutKey, o.senderPayout, 'senderPayout')),
    receiverPayout: p2wpkhDescriptor(withOrigin(p.receiverPayoutKey, o.receiverPayout, 'receiverPayout')),
  };
}
