/**
 * The revocable construction: a sender pays a receiver through payment
 * versions whose sender output is revocable, each older version punished
 * by a penalty claim once its per-update key is revealed. This describes it
 * to the generic layers and registers it when the folder is loaded (by its
 * line in lib/constructions/index.ts), and re-exports its own API for the
 * package entry.
 */
import { Construction, registerConstruction } from '../registry';
import { ReceiverPolicy } from './chain/receiver-policy';
import { SenderPolicy } from './chain/sender-policy';
import { REVOCABLE_INSPECTOR } from './inspect/describe';
import { REVOCABLE_MESSAGES } from './protocol/messages';
import { HTLC_RECEIVER_TEMPLATE, HTLC_SENDER_TEMPLATE, REVOCABLE_CLTV_TEMPLATE, REVOCABLE_CSV_TEMPLATE } from './templates';

/** The revocable construction, as registerConstruction takes it. */
export const REVOCABLE: Construction = {
  name: 'revocable',
  templates: [REVOCABLE_CLTV_TEMPLATE, REVOCABLE_CSV_TEMPLATE, HTLC_SENDER_TEMPLATE, HTLC_RECEIVER_TEMPLATE],
  messages: REVOCABLE_MESSAGES,
  inspector: REVOCABLE_INSPECTOR,
  watchPolicies: { receiver: ReceiverPolicy, sender: SenderPolicy },
};

registerConstruction(REVOCABLE);

export * from './templates';
export * from './kinds';
export * from './params';
export * from './tx/state-number';
export * from './tx/weights';
export * from './tx/payment';
export * from './tx/htlc-version';
export * from './tx/htlc-claims';
export * from './tx/close';
export * from './tx/revocable-spend';
export * from './tx/penalty';
export * from './tx/timeout';
export * from './tx/payment-signer';
export * from './psbt/create';
export * from './psbt/key-origins';
export * from './psbt/descriptors';
export * from './protocol/messages';
export * from './protocol/sender';
export * from './protocol/receiver';
export * from './protocol/steps';
export { HtlcRecord, htlcOf, htlcsAt } from './protocol/htlc-table';
export { DEFAULT_HTLC_CLAIM_MARGIN, DEFAULT_HTLC_DEAD_MARGIN, DEFAULT_HTLC_MIN_EXPIRY_DELTA } from './protocol/htlc-rules';
export * from './chain/classify';
export * from './chain/htlc-schedule';
export * from './chain/receiver-watcher';
export * from './chain/sender-watcher';
export { ChildPaysForParent, maxPackageFeeRate } from './protocol/cpfp';
export { PLAUSIBLE_STATE_LIMIT } from './inspect/state';
