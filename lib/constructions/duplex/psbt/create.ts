/**
 * The duplex setup as a PSBT, for each party's wallet (a hardware wallet
 * among them) to sign its own inputs: the opt-in's last step. Each party
 * signs its own copy; combinePsbts joins them, or each sends the other its
 * partial signatures.
 */
import type { Psbt } from 'bitcoinjs-lib';
import { KeyOrigins, originList } from '../../../psbt/key-origin';
import { psbtFromPlan } from '../../../psbt/from-plan';
import { DuplexSetupParams, planDuplexSetup } from '../tx/setup';

/**
 * The unsigned setup PSBT, both parties' coins in it, each input with its
 * prevout (and its previous transaction when given), the setup output with
 * its witness script.
 *
 * @param p - As {@link planDuplexSetup} takes it.
 * @param origins - Key origins (BIP 32) to annotate the wallets' inputs and change with.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_FEE_RATE`, `INVALID_SCRIPT`, `INVALID_KEY`, `NON_SEGWIT_INPUT`, `INVALID_TRANSACTION` or `INSUFFICIENT_FUNDS` as {@link planDuplexSetup}.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `origins` is malformed.
 *
 * @example
 * ```ts
 * const psbt = createDuplexSetupPsbt(setupParams, [keyOrigin(aMaster, "m/84'/1'/0'/0/3")]);
 * signPsbtWithMaster(psbt, aMaster); // a's inputs only
 * ```
 */
export function createDuplexSetupPsbt(p: DuplexSetupParams, origins?: KeyOrigins): Psbt {
  const list = originList(origins);
  return psbtFromPlan(planDuplexSetup(p), list);
}
