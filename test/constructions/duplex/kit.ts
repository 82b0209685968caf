/**
 * Helpers for the duplex channel's specs: deterministic keys per label,
 * parameters for the design notes' regtest channel (d = 2, b = 3, Δ = 5,
 * Dc = 10), and both parties' signatures of a state's branch.
 */
import { Transaction } from 'bitcoinjs-lib';
import {
  DuplexContext, DuplexLeafBalances, DuplexParams, DuplexSigner, duplexBranch, duplexKickoffSpend, verifyDuplexParams,
} from '../../../lib';
import { TestKey, testKey } from '../../support/keys';

export const FEE_RATE = 1000n;
export const DEPOSIT = 500_000n;

export interface DuplexKeys {
  readonly aFunding: TestKey;
  readonly bFunding: TestKey;
  readonly aPayout: TestKey;
  readonly bPayout: TestKey;
  readonly aWallet: TestKey;
  readonly bWallet: TestKey;
}

export function duplexKeys(label: string): DuplexKeys {
  const k = (what: string) => testKey(`duplex ${label} ${what}`);
  return { aFunding: k('a funding'), bFunding: k('b funding'), aPayout: k('a payout'), bPayout: k('b payout'), aWallet: k('a wallet'), bWallet: k('b wallet') };
}

export interface ParamOptions {
  readonly funding?: { txid: string; vout: number };
  readonly capacity?: bigint;
  readonly aAmount?: bigint;
  readonly levels?: number;
  readonly values?: number;
  readonly step?: number;
  readonly simplexDelay?: number;
}

export function duplexParamsFor(keys: DuplexKeys, o: ParamOptions = {}): DuplexParams {
  return {
    fundingOutpoint: o.funding ?? { txid: 'd4'.repeat(32), vout: 0 },
    capacity: o.capacity ?? 2n * DEPOSIT,
    aFundingKey: keys.aFunding.pub, bFundingKey: keys.bFunding.pub, aPayoutKey: keys.aPayout.pub, bPayoutKey: keys.bPayout.pub,
    levels: o.levels ?? 2, values: o.values ?? 3, step: o.step ?? 5, simplexDelay: o.simplexDelay ?? 10,
    aAmount: o.aAmount ?? DEPOSIT,
    feeRate: FEE_RATE,
  };
}

export interface DuplexPair {
  readonly ctx: DuplexContext;
  readonly a: DuplexSigner;
  readonly b: DuplexSigner;
}

export function duplexPair(keys: DuplexKeys, o: ParamOptions = {}): DuplexPair {
  const ctx = verifyDuplexParams(duplexParamsFor(keys, o));
  return { ctx, a: new DuplexSigner(ctx, 'a', keys.aFunding.priv), b: new DuplexSigner(ctx, 'b', keys.bFunding.priv) };
}

/** The kickoff, signed by a and completed by b (each checks the other's signature). */
export function signedKickoff(p: DuplexPair): Transaction {
  const spend = duplexKickoffSpend(p.ctx);
  return p.b.completeTwoOfTwo(spend, p.a.sign(p.a.hash(spend)));
}

/** A state's branch from `fromLevel` down, each transaction signed by a and completed by b. */
export function signedBranch(p: DuplexPair, index: number, balances: DuplexLeafBalances, fromLevel = 0): Transaction[] {
  return duplexBranch(p.ctx, index, balances, fromLevel).map((t) => p.b.completeTwoOfTwo(t.spend, p.a.sign(p.a.hash(t.spend))));
}
