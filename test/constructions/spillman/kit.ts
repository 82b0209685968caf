/**
 * Helpers for the Spillman specs: deterministic keys per label, a JSON wire,
 * and a channel opened through every message of its form, funded by a coin
 * given (a node's real coin, or a made-up one for specs without a chain).
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  ChainView, FundingInput, SpillmanForm, SpillmanMessage, SpillmanReceiver, SpillmanReceiverPolicy, SpillmanReceiverSecrets,
  SpillmanSender, SpillmanSenderSecrets, AbsoluteLock, decodeSpillmanMessage, encodeSpillmanMessage, extractTransaction, finalizePsbt,
  p2wpkhScript, signPsbtWithKey,
} from '../../../lib';
import { TestKey, testKey } from '../../support/keys';

export const FEE_RATE = 1000n;
export const CAPACITY = 1_000_000n;
export const MARGIN = 10;
/** A tip for specs without a chain. */
export const CHAIN: ChainView = { height: 2000, medianTimePast: 1_700_000_000 };
export const POLICY: SpillmanReceiverPolicy = { margin: MARGIN, minWindow: 5, fundingDepth: 1 };

export interface SpillmanKeys {
  readonly sender: SpillmanSenderSecrets;
  readonly receiver: SpillmanReceiverSecrets;
  readonly wallet: TestKey;
}

export function spillmanKeys(label: string): SpillmanKeys {
  const k = (what: string) => testKey(`spillman ${label} ${what}`);
  return {
    sender: { fundingKey: k('sender funding').priv, payoutKey: k('sender payout').priv },
    receiver: { fundingKey: k('receiver funding').priv, payoutKey: k('receiver payout').priv },
    wallet: k('wallet'),
  };
}

/** Every message crosses a JSON wire, as between two processes. */
export function wire<T extends SpillmanMessage>(m: T): T {
  return decodeSpillmanMessage(JSON.parse(JSON.stringify(encodeSpillmanMessage(m)))) as T;
}

/** A made-up P2WPKH coin of the wallet, for specs without a chain. */
export function fakeCoin(wallet: TestKey, value: bigint = CAPACITY + 100_000n): FundingInput {
  return { txid: '11'.repeat(32), vout: 1, value, script: p2wpkhScript(wallet.pub) };
}

export interface OpenedSpillman {
  readonly form: SpillmanForm;
  readonly keys: SpillmanKeys;
  readonly sender: SpillmanSender;
  readonly receiver: SpillmanReceiver;
  /** The signed funding transaction (not broadcast here). */
  readonly fundingTx: Transaction;
  readonly lockTime: AbsoluteLock;
}

export interface OpenOptions {
  readonly label?: string;
  readonly capacity?: bigint;
  readonly lockTime?: AbsoluteLock;
  readonly chain?: ChainView;
  readonly coin?: FundingInput;
  readonly policy?: SpillmanReceiverPolicy;
}

/**
 * Opens a channel through its messages, up to a signed funding transaction:
 * in Form S the wallet signs only after the sender accepted the refund's
 * signature. The receiver is left `funded`: the caller shows it the funding.
 */
export function openSpillman(form: SpillmanForm, o: OpenOptions = {}): OpenedSpillman {
  const keys = spillmanKeys(o.label ?? `form ${form}`);
  const chain = o.chain ?? CHAIN;
  const lockTime = o.lockTime ?? { height: chain.height + 100 };
  const { sender, message: open } = SpillmanSender.open({ form, capacity: o.capacity ?? CAPACITY, lockTime, feeRate: FEE_RATE, secrets: keys.sender });
  const { receiver, message: accept } = SpillmanReceiver.accept(wire(open), keys.receiver, o.policy ?? POLICY, chain);
  sender.onAccept(wire(accept));
  const walletScript = p2wpkhScript(keys.wallet.pub);
  const { psbt, plan, message: created } = sender.createFunding({ inputs: [o.coin ?? fakeCoin(keys.wallet)], changeScript: walletScript, feeRate: FEE_RATE });
  const refundSigned = receiver.onFundingCreated(wire(created));
  if (form === 'S') {
    expect(sender.phase).to.equal('funding_created');
    expect(refundSigned).to.not.equal(undefined);
    sender.onRefundSigned(wire(refundSigned!));
  } else {
    expect(refundSigned).to.equal(undefined);
  }
  expect(sender.phase).to.equal('open');
  expect(signPsbtWithKey(psbt, keys.wallet.priv)).to.equal(1);
  const fundingTx = extractTransaction(finalizePsbt(psbt));
  expect(fundingTx.getId()).to.equal(plan.tx.getId());
  expect(fundingTx.getId()).to.equal(sender.funding!.txid);
  return { form, keys, sender, receiver, fundingTx, lockTime };
}

/** Opens and shows the receiver its funding at one confirmation. */
export function openConfirmed(form: SpillmanForm, o: OpenOptions = {}): OpenedSpillman {
  const c = openSpillman(form, o);
  c.receiver.markFundingConfirmed({ tx: c.fundingTx.toBuffer(), confirmations: 1 });
  expect(c.receiver.phase).to.equal('open');
  return c;
}

/** One payment through the wire; returns the receiver's new total. */
export function paySpillman(c: OpenedSpillman, increment: bigint, chain: ChainView = CHAIN): bigint {
  const pay = c.sender.pay(increment, chain);
  const { message: ack, paid } = c.receiver.onPay(wire(pay), chain);
  c.sender.onPayAck(wire(ack));
  expect(paid.amount).to.equal(c.sender.amount);
  return paid.amount;
}
