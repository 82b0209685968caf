/**
 * The duplex micropayment channel (CONSTRUCTIONS.md section 3, seed 000):
 * both parties fund one setup output; a kickoff and an invalidation tree of
 * d levels hold two simplex channels at the leaf, one per direction; a reset
 * re-funds both under a newer branch whose locks open first. This describes
 * it to the generic layers, registers it when the folder is loaded (by its
 * line in lib/constructions/index.ts), and re-exports its API.
 */
import { Construction, registerConstruction } from '../registry';
import { DUPLEX_INSPECTOR } from './inspect/describe';
import { DUPLEX_MESSAGES } from './protocol/messages';
import { DUPLEX_SIMPLEX_TEMPLATE } from './templates';

/** The duplex construction, as registerConstruction takes it. */
export const DUPLEX: Construction = {
  name: 'duplex',
  templates: [DUPLEX_SIMPLEX_TEMPLATE],
  messages: DUPLEX_MESSAGES,
  inspector: DUPLEX_INSPECTOR,
};

registerConstruction(DUPLEX);

export * from './kinds';
export { DUPLEX_SIMPLEX_TEMPLATE, SimplexKeys, compileSimplexScript } from './templates';
export {
  DUPLEX_SEQUENCE, DuplexContext, DuplexLeafBalances, DuplexParams, verifyDuplexParams,
} from './params';
export * from './tx/weights';
export * from './tx/setup';
export * from './tx/abort';
export * from './tx/tree';
export * from './tx/simplex';
export * from './tx/signer';
export * from './tx/anchor-child';
export * from './psbt/create';
export { DuplexExit, DuplexOtherBranch, checkDuplexExit } from './chain/exit';
export * from './chain/watcher';
export * from './chain/setup-guard';
export * from './protocol/messages';
export { DuplexCloseAccepted, DuplexParty, DuplexPaymentReceived } from './protocol/party';
export { DuplexPhase } from './protocol/saved';
