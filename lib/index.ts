// The package entry: re-exports only, layer by layer (README, Layers).
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

// Core: errors, branded types, the elliptic-curve library, bytes and hashes.
export * from './core/errors';
export * from './core/types';
export { EccLib, currentEcc, useEcc } from './core/ecc';
export * from './core/hash';

// Scripts: the template registry, compiler, matcher and witness assembler.
export * from './script/templates';
export { defineTemplate, registerTemplate, registeredTemplates, templateByName } from './script/registry';
export * from './script/compile';
export * from './script/match';
export * from './script/witness';
export * from './script/locks';

// Generic transaction pieces.
export * from './tx/outputs';
export * from './tx/spend';
export * from './tx/weights';
export * from './tx/sighash';
export * from './tx/signature';
export * from './tx/funding';
export * from './tx/funding-spend';
export * from './tx/plan';
export * from './tx/cpfp';
export * from './tx/anchor';
export {
  AnchorChildKeys, AnchorChildParams, AnchorPackageRate, FeeCoin, anchorChildWeight, anchorPackageRate, buildAnchorChildTx, signAnchorChildTx,
} from './tx/anchor-child';
export * from './tx/invalidation-counter';
export * from './tx/htlcs';
export * from './tx/preimage-reveal';

// PSBT and descriptors.
export * from './psbt/key-origin';
export { FundingPsbtOptions, createFundingPsbt, createScriptFundingPsbt } from './psbt/from-plan';
export * from './psbt/sign';
export * from './psbt/finalize';
export { PSBT_IN_SHA256, addPreimage, inputPreimages } from './psbt/preimage';
export * from './psbt/verify';
export * from './psbt/descriptor';

// Per-update keys.
export {
  MAX_SECRET_INDEX, MAX_UPDATE_STATE, deriveSecret, deriveUpdateKey, deriveUpdateSecret, secretIndexOf, updateIndex,
} from './keys/shachain';
export * from './keys/revocation-store';
export * from './keys/seed';
// The type of the master node deriveChannelSeed, keyOrigin and signPsbtWithMaster take, so callers need not name bip32.
export type { BIP32Interface } from 'bip32';

// Protocol: message schemas' shared pieces, party helpers, stores.
export { Json } from './protocol/wire';
export { ChainView, DEFAULT_MARGIN, cltvCutoffReached, deriveChannelId } from './protocol/party';
export { DEFAULT_FUNDING_DEPTH, FundingEvidence, FundingStatus, MAX_FUNDING_DEPTH } from './protocol/funding-evidence';
export { ChannelStore, MemoryChannelStore } from './protocol/store';
export { VersionedChannelStore, VersionedState, isVersionedStore } from './protocol/versioned-store';
export * from './protocol/step';
export { MessageBase, MessageSchema } from './protocol/schema';

// Constructions: the registry, the constructions the package ships (registered there) and their own API.
export * from './constructions';

// Chain: backends, the block follower, fee schedules, watchers.
export * from './chain/backend';
export * from './chain/block-follower';
export * from './chain/fee-schedule';
export * from './chain/funding-check';
export { outpointKey, spendsIn } from './chain/spend-scan';
export * from './chain/fee-reject';
export { Listener } from './chain/isolated-emitter';

// Inspect: what a PSBT or transaction is, asked of the registered constructions.
export { InspectInput, parseInspectInput } from './inspect/parse';
export { ExplainedScript } from './inspect/scripts';
export { ExplainedSigner, InputSignatures } from './inspect/signatures';
export { StateBasis, StateReading } from './inspect/state';
export { ChannelInput, NotMine, Recognition, TxInspector } from './inspect/inspector';
export { InputView, OutputView, PartialSignature, TxView } from './inspect/view';
export * from './inspect/explain';
export { ExplainedAmounts, SANE_FEE_PERCENT_OF_INPUTS, SANE_FEE_RATE_SAT_PER_VBYTE } from './inspect/amounts';
export { InspectWarning, InspectWarningCode } from './inspect/warnings';
export * from './inspect/render';
