/**
 * Reading a preimage from the chain: a spend of a hashlocked output reveals
 * the preimage in its witness, which is how a party learns it when the other
 * claims on chain instead of settling off chain. Pure: from a transaction and
 * the output's witness script, whatever template the script is.
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectBytes } from '../core/arguments';
import { fail } from '../core/errors';
import { bytesEqual, sha256 } from '../core/hash';
import { matchTemplate } from '../script/match';

/** A preimage a witness revealed. */
export interface RevealedPreimage {
  /** The input whose witness revealed it. */
  readonly input: number;
  /** The sha256 parameter of the script it opens. */
  readonly param: string;
  /** The hash, the script's value of `param`. */
  readonly hash: Uint8Array;
  /** P, 32 bytes, with SHA256(P) = hash. */
  readonly preimage: Uint8Array;
}

/**
 * The preimage a transaction reveals by spending an output of `witnessScript`:
 * an input whose witness ends with that script and holds a 32-byte item that
 * hashes to one of the script's sha256 values. Other items (signatures,
 * branch selectors) never hash to it, so no branch knowledge is needed.
 *
 * @param tx - A transaction, parsed or serialized.
 * @param witnessScript - The hashlocked output's witness script, a registered template's.
 * @returns The first preimage found, or undefined if no input reveals one (a timeout or penalty spend, or another output's).
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `tx` does not parse.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `witnessScript` is not bytes.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if `witnessScript` is no registered template's, or has no sha256 parameter.
 *
 * @example
 * ```ts
 * const revealed = extractPreimage(claimTx, htlcWitnessScript);
 * if (revealed) settleUpstream(revealed.preimage);
 * ```
 */
export function extractPreimage(tx: Transaction | Uint8Array, witnessScript: Uint8Array): RevealedPreimage | undefined {
  let t: Transaction;
  if (tx instanceof Transaction) t = tx;
  else {
    expectBytes(tx, 'transaction');
    try {
      t = Transaction.fromBuffer(tx);
    } catch {
      return fail('INVALID_TRANSACTION', 'cannot parse transaction');
    }
  }
  expectBytes(witnessScript, 'witness script');
  const m = matchTemplate(witnessScript) ?? fail('INVALID_SCRIPT', 'the witness script is no registered template\'s');
  const hashes = Object.entries(m.template.params).filter(([, kind]) => kind === 'sha256').map(([name]) => [name, m.values.get(name) as Uint8Array] as const);
  if (hashes.length === 0) fail('INVALID_SCRIPT', `${m.template.name} has no hashlock`);
  for (let i = 0; i < t.ins.length; i++) {
    const w = t.ins[i]!.witness;
    if (w.length < 2 || !bytesEqual(w[w.length - 1]!, witnessScript)) continue;
    for (const item of w.slice(0, -1)) {
      if (item.length !== 32) continue;
      const h = sha256(item);
      const found = hashes.find(([, v]) => bytesEqual(v, h));
      if (found !== undefined) return { input: i, param: found[0], hash: found[1], preimage: Uint8Array.from(item) };
    }
  }
  return undefined;
}
