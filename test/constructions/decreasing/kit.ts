/**
 * Helpers for the decreasing-lock channel's specs: deterministic keys per
 * label, a JSON wire, and a channel of either form opened through its
 * messages on a given funding outpoint.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  ChainView, DecreasingContext, DecreasingForm, DecreasingMessage, DecreasingParams, DecreasingParty, decodeDecreasingMessage,
  encodeDecreasingMessage, verifyDecreasingParams,
} from '../../../lib';
import { TestKey, testKey } from '../../support/keys';

export const FEE_RATE = 1000n;
export const CAPACITY = 1_000_000n;
export const STEP = 10;
/** A tip for specs without a chain. */
export const CHAIN: ChainView = { height: 2000, medianTimePast: 1_700_000_000 };

export interface DecreasingKeys {
  readonly aFunding: TestKey;
  readonly bFunding: TestKey;
  readonly aPayout: TestKey;
  readonly bPayout: TestKey;
  readonly wallet: TestKey;
}

export function decreasingKeys(label: string): DecreasingKeys {
  const k = (what: string) => testKey(`decreasing ${label} ${what}`);
  return { aFunding: k('a funding'), bFunding: k('b funding'), aPayout: k('a payout'), bPayout: k('b payout'), wallet: k('wallet') };
}

/** Every message crosses a JSON wire, as between two processes. */
export function wire<T extends DecreasingMessage>(m: T): T {
  return decodeDecreasingMessage(JSON.parse(JSON.stringify(encodeDecreasingMessage(m)))) as T;
}

export interface ChannelOptions {
  readonly label?: string;
  readonly funding?: { txid: string; vout: number };
  readonly capacity?: bigint;
  /** Locktime form: L_0. */
  readonly initialLock?: number;
  /** Kickoff form: N. */
  readonly updates?: number;
  readonly aBalance?: bigint;
  readonly step?: number;
}

export function paramsFor(form: DecreasingForm, keys: DecreasingKeys, o: ChannelOptions = {}): DecreasingParams {
  const capacity = o.capacity ?? CAPACITY;
  return {
    form,
    fundingOutpoint: o.funding ?? { txid: 'c3'.repeat(32), vout: 0 },
    capacity,
    aFundingKey: keys.aFunding.pub, bFundingKey: keys.bFunding.pub, aPayoutKey: keys.aPayout.pub, bPayoutKey: keys.bPayout.pub,
    step: o.step ?? STEP,
    ...(form === 'locktime' ? { initialLock: { height: o.initialLock ?? CHAIN.height + 100 } } : { updates: o.updates ?? 10 }),
    aBalance: o.aBalance ?? capacity / 2n,
    feeRate: FEE_RATE,
  };
}

export interface OpenedDecreasing {
  readonly keys: DecreasingKeys;
  readonly ctx: DecreasingContext;
  readonly a: DecreasingParty;
  readonly b: DecreasingParty;
}

/** Both parties at state 0, each holding the other's signatures of it (and of the kickoff). */
export function openDecreasing(form: DecreasingForm, o: ChannelOptions = {}): OpenedDecreasing {
  const keys = decreasingKeys(o.label ?? form);
  const ctx = verifyDecreasingParams(paramsFor(form, keys, o));
  const a = DecreasingParty.open(ctx, 'a', keys.aFunding.priv);
  const b = DecreasingParty.open(ctx, 'b', keys.bFunding.priv);
  b.onInitialSigned(wire(a.initialSigned()));
  a.onInitialSigned(wire(b.initialSigned()));
  expect(a.phase).to.equal('open');
  expect(b.phase).to.equal('open');
  return { keys, ctx, a, b };
}

/** One update through the wire, payer signing first; returns the budget left. */
export function payDecreasing(payer: DecreasingParty, payee: DecreasingParty, amount: bigint, chain: ChainView = CHAIN): number {
  const { message, budget } = payer.pay(amount, chain);
  const r = payee.onUpdate(wire(message), chain);
  expect(r.amount).to.equal(amount);
  expect(r.budget).to.equal(budget);
  payer.onUpdateAck(wire(r.message));
  expect(payer.latest).to.deep.equal(payee.latest);
  return budget;
}

/** A funding transaction paying `capacity` to the channel's 2-of-2 at output 0, spending a made-up coin with a witness; and its outpoint. */
export function syntheticFunding(keys: DecreasingKeys, form: DecreasingForm, o: ChannelOptions = {}): { tx: Transaction; params: DecreasingParams } {
  const probe = verifyDecreasingParams(paramsFor(form, keys, o));
  const tx = new Transaction();
  tx.version = 2;
  tx.addInput(new Uint8Array(32).fill(0x5a), 1);
  tx.setWitness(0, [new Uint8Array(71).fill(0x30), keys.wallet.pub]);
  tx.addOutput(probe.funding.fundingScriptPubKey, o.capacity ?? CAPACITY);
  return { tx, params: paramsFor(form, keys, { ...o, funding: { txid: tx.getId(), vout: 0 } }) };
}

export interface HandshakeOpened extends OpenedDecreasing {
  readonly fundingTx: Transaction;
}

/** Both parties opened through decreasing_open and decreasing_open_ack, each having seen the funding 3 deep. */
export function handshakeDecreasing(form: DecreasingForm, o: ChannelOptions = {}): HandshakeOpened {
  const keys = decreasingKeys(o.label ?? `handshake ${form}`);
  const { tx, params } = syntheticFunding(keys, form, o);
  const ctx = verifyDecreasingParams(params);
  const { party: a, message } = DecreasingParty.propose(ctx, keys.aFunding.priv);
  const { party: b, message: ack } = DecreasingParty.accept(wire(message), keys.bFunding.priv, CHAIN, { payoutKey: keys.bPayout.pub });
  a.onOpenAck(wire(ack));
  for (const p of [a, b]) {
    expect(p.phase).to.equal('funding');
    expect(p.markFundingConfirmed({ tx: tx.toBuffer(), confirmations: 3 })).to.deep.equal({ confirmations: 3, deep: true });
    expect(p.phase).to.equal('open');
  }
  return { keys, ctx, a, b, fundingTx: tx };
}
