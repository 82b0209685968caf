/**
 * Helpers for the duplex channel's specs: deterministic keys per label,
 * parameters for the design notes' regtest channel (d = 2, b = 3, Δ = 5,
 * Dc = 10), and both parties' signatures of a state's branch.
 */
import { Transaction } from 'bitcoinjs-lib';
import {
  DuplexContext, DuplexLeafBalances, DuplexParams, DuplexParty, DuplexSigner, duplexBranch, duplexKickoffSpend, p2wpkhScript, planDuplexSetup,
  verifyDuplexParams,
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
  /** The tree's anchors; on unless false. */
  readonly anchors?: boolean;
}

export function duplexParamsFor(keys: DuplexKeys, o: ParamOptions = {}): DuplexParams {
  return {
    fundingOutpoint: o.funding ?? { txid: 'd4'.repeat(32), vout: 0 },
    capacity: o.capacity ?? 2n * DEPOSIT,
    aFundingKey: keys.aFunding.pub, bFundingKey: keys.bFunding.pub, aPayoutKey: keys.aPayout.pub, bPayoutKey: keys.bPayout.pub,
    levels: o.levels ?? 2, values: o.values ?? 3, step: o.step ?? 5, simplexDelay: o.simplexDelay ?? 10,
    aAmount: o.aAmount ?? DEPOSIT,
    feeRate: FEE_RATE,
    ...(o.anchors !== undefined ? { anchors: o.anchors } : {}),
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

/** A coin of `value` paying `script`, with a previous transaction that proves it (the setup needs one per input). */
export function fakeCoin(n: number, script: Uint8Array, value: bigint): { txid: string; vout: number; value: bigint; script: Uint8Array; prevTx: Uint8Array } {
  const prev = new Transaction();
  prev.version = 2;
  prev.addInput(new Uint8Array(32).fill(n), n, 0xfffffffd);
  prev.addOutput(script, value);
  return { txid: prev.getId(), vout: 0, value, script, prevTx: prev.toBuffer() };
}

/**
 * Two parties of a channel on a setup of made-up coins (no chain), through
 * the opt-in: the tree signed both ways, the setup taken as confirmed.
 */
export function openedParties(label: string, o: ParamOptions = {}): { keys: DuplexKeys; a: DuplexParty; b: DuplexParty; setup: Transaction } {
  const keys = duplexKeys(label);
  const aScript = p2wpkhScript(keys.aWallet.pub);
  const bScript = p2wpkhScript(keys.bWallet.pub);
  const amount = o.aAmount ?? DEPOSIT;
  const setup = planDuplexSetup({
    aFundingKey: keys.aFunding.pub, bFundingKey: keys.bFunding.pub, feeRate: FEE_RATE,
    a: { inputs: [fakeCoin(1, aScript, amount + 20_000n)], amount, changeScript: aScript },
    b: { inputs: [fakeCoin(2, bScript, (o.capacity ?? 2n * DEPOSIT) - amount + 20_000n)], amount: (o.capacity ?? 2n * DEPOSIT) - amount, changeScript: bScript },
  });
  const { ctx } = duplexPair(keys, { ...o, funding: setup.fundingOutpoint, capacity: setup.capacity });
  const a = DuplexParty.open(ctx, 'a', keys.aFunding.priv);
  const b = DuplexParty.open(ctx, 'b', keys.bFunding.priv);
  b.onTreeSigned(a.treeSigned());
  a.onTreeSigned(b.treeSigned());
  a.markSetupConfirmed(setup.tx);
  b.markSetupConfirmed(setup.tx);
  return { keys, a, b, setup: setup.tx };
}
