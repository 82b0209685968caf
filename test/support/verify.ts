/// <reference path="../../types/bcoin.d.ts" />
/**
 * Runs transactions through bcoin's script interpreter, an implementation
 * independent of the bitcoinjs-lib code that builds and signs them, with the
 * standard (policy) flags: MINIMALIF, NULLFAIL, LOW_S, CLTV and CSV included.
 *
 * CLTV/CSV are checked against the spending tx's own nLockTime/nSequence, not
 * against a chain: whether the lock has matured is the mempool's business.
 * bcoin 1.0.2 predates taproot; legacy and segwit v0 inputs only.
 */
import bcoin from 'bcoin';

export interface Prevout {
  script: Uint8Array;
  value: bigint;
}

interface ScriptFailure {
  code: string;
  message: string;
}

function inputFailures(tx: Uint8Array, prevouts: Prevout[], only?: number): Map<number, ScriptFailure> {
  const btx = bcoin.TX.fromRaw(Buffer.from(tx));
  if (prevouts.length !== btx.inputs.length) {
    throw new Error(`tx has ${btx.inputs.length} inputs but ${prevouts.length} prevouts were given`);
  }
  const flags: number = bcoin.Script.flags.STANDARD_VERIFY_FLAGS;
  const failures = new Map<number, ScriptFailure>();
  btx.inputs.forEach((input: any, i: number) => {
    if (only !== undefined && i !== only) return;
    const { script, value } = prevouts[i];
    if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`prevout ${i} value out of range`);
    const coin = new bcoin.Coin();
    coin.value = Number(value);
    coin.script = bcoin.Script.fromRaw(Buffer.from(script));
    coin.hash = input.prevout.hash;
    coin.index = input.prevout.index;
    try {
      btx.checkInput(i, coin, flags);
    } catch (e) {
      const err = e as { type?: string; code?: string; message?: string };
      if (err.type !== 'ScriptError') throw e;
      failures.set(i, { code: String(err.code), message: String(err.message) });
    }
  });
  return failures;
}

/** Throws on the first failing input, naming its index and bcoin's reason. */
export function verifyInputs(tx: Uint8Array, prevouts: Prevout[]): void {
  for (const [i, f] of inputFailures(tx, prevouts)) {
    throw new Error(`input ${i} fails script verification: ${f.code} (${f.message})`);
  }
}

/** bcoin's ScriptError code for input `index` ('NULLFAIL', 'EVAL_FALSE', ...), or undefined if it verifies. */
export function checkInputError(tx: Uint8Array, prevouts: Prevout[], index: number): string | undefined {
  if (!Number.isInteger(index) || index < 0 || index >= prevouts.length) throw new Error(`no input ${index}`);
  return inputFailures(tx, prevouts, index).get(index)?.code;
}
