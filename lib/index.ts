// The package entry: re-exports only.
/**
 * Bitcoin payment channels with revocable per-update keys: script templates,
 * transaction builders, PSBT helpers, penalty claims, the sender's and the
 * receiver's state machines, and a chain watcher. Runs in Node and in a
 * browser; the pieces that need Node are in `revchan/node`.
 *
 * Every failure is a {@link ChannelError} with a stable `code`.
 *
 * @module revchan
 */
export * from './errors';
export * from './types';
export { EccLib, currentEcc, useEcc } from './ecc';

export * from './scripts/templates';
export * from './scripts/registry';
export * from './scripts/compile';
export * from './scripts/match';
export * from './scripts/witness';
export * from './scripts/locks';
// The revocable construction's templates; loading registers them.
export * from './scripts/revocable-templates';

export * from './tx/hash';
export * from './tx/outputs';
export * from './tx/state-number';
export * from './tx/weights';
export * from './tx/sighash';
export * from './tx/signature';
export * from './tx/channel-params';
export * from './tx/funding';
export * from './tx/payment';
export * from './tx/close';
export * from './tx/revocable-spend';
export * from './tx/penalty';
export * from './tx/timeout';
export * from './tx/payment-signer';
export * from './tx/cpfp';

export * from './psbt/key-origin';
export * from './psbt/create';
export * from './psbt/sign';
export * from './psbt/finalize';
export { PSBT_IN_SHA256, addPreimage, inputPreimages } from './psbt/preimage';
export * from './psbt/verify';
export * from './psbt/descriptor';

export {
  MAX_STATE as MAX_UPDATE_STATE, deriveSecret, deriveUpdateKey, deriveUpdateSecret, updateIndex,
} from './keys/shachain';
export * from './keys/revocation-store';
export * from './keys/seed';
// The type of the master node deriveChannelSeed, keyOrigin and signPsbtWithMaster take, so callers need not name bip32.
export type { BIP32Interface } from 'bip32';

export * from './channel/messages';
export { Json } from './channel/wire';
export { ChainView, DEFAULT_MARGIN, cltvCutoffReached, deriveChannelId } from './channel/state';
export * from './channel/sender';
export * from './channel/receiver';
export * from './channel/steps';
export * from './protocol/step';
export { ChildPaysForParent, maxPackageFeeRate } from './channel/cpfp';
export { DEFAULT_FUNDING_DEPTH, FundingEvidence, FundingStatus, MAX_FUNDING_DEPTH } from './channel/funding-evidence';
export { ChannelStore, MemoryChannelStore } from './channel/store';

export * from './chain/backend';
export * from './chain/block-follower';
export * from './chain/fee-schedule';
export * from './chain/funding-check';
export { outpointKey, spendsIn } from './chain/spend-scan';
export * from './constructions/revocable/chain/classify';
export * from './constructions/revocable/chain/receiver-watcher';
export * from './constructions/revocable/chain/sender-watcher';
export * from './chain/fee-reject';
export { Listener } from './chain/isolated-emitter';

export { InspectInput, parseInspectInput } from './inspect/parse';
export { ExplainedScript } from './inspect/scripts';
export { ExplainedSigner, InputSignatures } from './inspect/signatures';
export { PLAUSIBLE_STATE_LIMIT, StateBasis, StateReading } from './inspect/state';
export { ChannelTxKind, KIND_LABELS } from './inspect/classify';
export * from './inspect/explain';
export { ExplainedAmounts, SANE_FEE_PERCENT_OF_INPUTS, SANE_FEE_RATE_SAT_PER_VBYTE } from './inspect/amounts';
export { InspectWarning, InspectWarningCode } from './inspect/warnings';
export * from './inspect/render';
