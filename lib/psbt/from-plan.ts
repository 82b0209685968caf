/**
 * PSBTs from transaction plans (lib/tx/plan.ts), for hardware wallets and
 * interop: each input with its witnessUtxo, nonWitnessUtxo and scripts where
 * the plan has them, sighash ALL, and the bip32Derivation of every key whose
 * origin the caller gives. A construction's PSBT creators describe their
 * transaction as a plan and call this; the funding PSBT, shared by every
 * construction, is here too.
 */
import { Psbt } from 'bitcoinjs-lib';
import { expectArray, expectObject } from '../core/arguments';
import { bytesEqual, sha256 } from '../core/hash';
import { FundingParams, FundingPlan, ScriptFundingParams, planFunding, planScriptFunding } from '../tx/funding';
import { p2wpkhScript } from '../tx/outputs';
import { TxPlan } from '../tx/plan';
import { SIGHASH_ALL } from '../tx/sighash';
import { KeyOrigin, KeyOrigins, originList } from './key-origin';

type Derivation = { masterFingerprint: Uint8Array; pubkey: Uint8Array; path: string };

function derivationsFor(keys: readonly Uint8Array[], origins: readonly KeyOrigin[]): Derivation[] | undefined {
  const out = origins
    .filter((o) => keys.some((k) => bytesEqual(k, o.pubkey)))
    .map((o) => ({ masterFingerprint: o.masterFingerprint, pubkey: o.pubkey, path: o.path }));
  return out.length > 0 ? out : undefined;
}

/** Keys a script mentions: pushes of 33 bytes. */
function scriptKeys(script: Uint8Array): Uint8Array[] {
  const keys: Uint8Array[] = [];
  for (let i = 0; i < script.length;) {
    const op = script[i]!;
    if (op >= 1 && op <= 75) {
      if (op === 33) keys.push(script.subarray(i + 1, i + 34));
      i += 1 + op;
    } else i += 1;
  }
  return keys;
}

/** The keys of a single-key coin: those whose P2WPKH script is the coin's, or its redeem script. */
function p2wpkhKeys(origins: readonly KeyOrigin[], script: Uint8Array, redeemScript?: Uint8Array): Uint8Array[] {
  return origins.filter((k) => {
    const spk = p2wpkhScript(k.pubkey);
    return bytesEqual(spk, script) || (redeemScript !== undefined && bytesEqual(spk, redeemScript));
  }).map((k) => k.pubkey);
}

/**
 * The PSBT of a plan. The plan comes from the package's own builders, so it
 * is trusted: its inputs match the transaction's.
 *
 * @param plan - The transaction and what its inputs spend.
 * @param origins - Key origins to annotate inputs and outputs with.
 */
export function psbtFromPlan(plan: TxPlan, origins: readonly KeyOrigin[]): Psbt {
  const { tx } = plan;
  const psbt = new Psbt();
  psbt.setVersion(tx.version);
  psbt.setLocktime(tx.locktime);
  plan.inputs.forEach((inp, i) => {
    const txIn = tx.ins[i]!;
    const ws = inp.witnessScript;
    const keys = ws ? scriptKeys(ws) : p2wpkhKeys(origins, inp.prevout.script, inp.redeemScript);
    const bip32Derivation = derivationsFor(keys, origins);
    psbt.addInput({
      hash: txIn.hash,
      index: txIn.index,
      sequence: txIn.sequence,
      witnessUtxo: { script: inp.prevout.script, value: inp.prevout.value },
      sighashType: SIGHASH_ALL,
      ...(inp.prevTx ? { nonWitnessUtxo: inp.prevTx } : {}),
      ...(inp.redeemScript ? { redeemScript: inp.redeemScript } : {}),
      ...(ws ? { witnessScript: ws } : {}),
      ...(bip32Derivation ? { bip32Derivation } : {}),
    });
  });
  for (const o of tx.outs) {
    const ws = plan.outputWitnessScripts.find((w) => bytesEqual(o.script.subarray(2), sha256(w)) && o.script.length === 34);
    const keys = ws ? scriptKeys(ws) : p2wpkhKeys(origins, o.script);
    const bip32Derivation = derivationsFor(keys, origins);
    psbt.addOutput({
      script: o.script,
      value: o.value,
      ...(ws ? { witnessScript: ws } : {}),
      ...(bip32Derivation ? { bip32Derivation } : {}),
    });
  }
  return psbt;
}

/** What {@link createFundingPsbt} adds to the PSBT beyond the transaction. */
export interface FundingPsbtOptions {
  /** Origins of the wallet keys spending each input and of the change key (for the wallet to recognise its change). */
  readonly origins?: readonly KeyOrigin[];
  /** Origins of the channel's keys, so a wallet recognises the funding output's keys as its own. */
  readonly channelOrigins?: KeyOrigins;
}

/**
 * The funding transaction as a PSBT for the sender's wallet to sign: witnessUtxo
 * (and nonWitnessUtxo where `prevTx` is given) on every input, the funding output's
 * witnessScript, and bip32Derivation of every key whose origin is given.
 *
 * @param p - As {@link planFunding}.
 * @param opts - Key origins of the wallet and of the channel.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `opts` is not an object, `opts.origins` is not an array, or `p` is refused as by {@link planFunding}.
 * @throws {@link ChannelError} `INVALID_AMOUNT`, `INVALID_FEE_RATE`, `INVALID_SCRIPT`, `INVALID_KEY`, `NON_SEGWIT_INPUT`, `INVALID_TRANSACTION` or `INSUFFICIENT_FUNDS` as {@link planFunding}.
 *
 * @example
 * ```ts
 * const psbt = createFundingPsbt(fundingParams, { origins: [keyOrigin(wallet, "m/84'/0'/0'/0/3")] });
 * const signed = signPsbtWithMaster(psbt, wallet);
 * ```
 */
export function createFundingPsbt(p: FundingParams, opts: FundingPsbtOptions = {}): Psbt {
  expectObject(opts, 'options');
  if (opts.origins !== undefined) expectArray(opts.origins, 'origins');
  return fundingPsbtOf(p, planFunding(p), opts);
}

/**
 * The funding transaction to a funding output of any witness script as a
 * PSBT for the sender's wallet, as {@link createFundingPsbt}.
 *
 * @param p - As {@link planScriptFunding}.
 * @param opts - Key origins of the wallet and of the channel.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `opts` is not an object, `opts.origins` is not an array, or `p` is refused as by {@link planScriptFunding}.
 * @throws {@link ChannelError} `INVALID_AMOUNT`, `INVALID_FEE_RATE`, `INVALID_SCRIPT`, `NON_SEGWIT_INPUT`, `INVALID_TRANSACTION` or `INSUFFICIENT_FUNDS` as {@link planScriptFunding}.
 *
 * @example
 * ```ts
 * const psbt = createScriptFundingPsbt({ inputs, capacity, fundingScript, changeScript, feeRate: 1000n });
 * ```
 */
export function createScriptFundingPsbt(p: ScriptFundingParams, opts: FundingPsbtOptions = {}): Psbt {
  expectObject(opts, 'options');
  if (opts.origins !== undefined) expectArray(opts.origins, 'origins');
  return fundingPsbtOf(p, planScriptFunding(p), opts);
}

function fundingPsbtOf(p: Pick<FundingParams, 'inputs'>, plan: FundingPlan, opts: FundingPsbtOptions): Psbt {
  const { tx, fundingScript } = plan;
  const origins = [...(opts.origins ?? []), ...originList(opts.channelOrigins)];
  const inputs = p.inputs.map((inp) => ({
    prevout: { script: inp.script, value: inp.value },
    ...(inp.prevTx ? { prevTx: inp.prevTx } : {}),
    ...(inp.redeemScript ? { redeemScript: inp.redeemScript } : {}),
  }));
  return psbtFromPlan({ tx, inputs, outputWitnessScripts: [fundingScript] }, origins);
}
