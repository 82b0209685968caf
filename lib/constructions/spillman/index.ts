/**
 * The Spillman refund channel (CONSTRUCTIONS.md section 1): a sender (payer)
 * funds an output it can take back alone from L, and pays a receiver (payee)
 * by signing, each time, a spend of it with more for the receiver; the
 * receiver broadcasts the latest before L. Two forms: S (the core's 2-of-2
 * and a refund the receiver signs first) and C (BIP 65's `spillman-cltv`
 * script, no refund to sign). This describes it to the generic layers,
 * registers it when the folder is loaded (by its line in
 * lib/constructions/index.ts), and re-exports its API for the package entry.
 */
import { Construction, registerConstruction } from '../registry';
import { SpillmanReceiverPolicy, SpillmanSenderPolicy } from './chain/policy';
import { SPILLMAN_INSPECTOR } from './inspect/describe';
import { SPILLMAN_MESSAGES } from './protocol/messages';
import { SPILLMAN_CLTV_TEMPLATE } from './templates';

/** The Spillman construction, as registerConstruction takes it. */
export const SPILLMAN: Construction = {
  name: 'spillman',
  templates: [SPILLMAN_CLTV_TEMPLATE],
  messages: SPILLMAN_MESSAGES,
  inspector: SPILLMAN_INSPECTOR,
  watchPolicies: { receiver: SpillmanReceiverPolicy, sender: SpillmanSenderPolicy },
};

registerConstruction(SPILLMAN);

export * from './templates';
export * from './kinds';
export * from './params';
export * from './tx/weights';
export * from './tx/spends';
export * from './tx/signer';
export * from './protocol/messages';
export * from './protocol/sender';
export * from './protocol/receiver';
export * from './protocol/steps';
export * from './psbt/create';
export * from './chain/watchers';
