/**
 * The decreasing-lock bidirectional channel (CONSTRUCTIONS.md section 2):
 * both parties hold every state fully signed, and each new state's lock opens
 * Δ blocks before the last one's, so whoever holds the newest broadcasts it
 * first. Two forms: `locktime` (nLockTime L_0 - kΔ on the funding) and
 * `kickoff` (a kickoff, then nSequence (N-k)Δ). This describes it to the
 * generic layers, registers it when the folder is loaded (by its line in
 * lib/constructions/index.ts), and re-exports its API for the package entry.
 */
import { Construction, registerConstruction } from '../registry';
import { DecreasingPolicy } from './chain/policy';
import { DECREASING_INSPECTOR } from './inspect/describe';
import { DECREASING_MESSAGES } from './protocol/messages';

/** The decreasing-lock construction, as registerConstruction takes it. */
export const DECREASING: Construction = {
  name: 'decreasing',
  templates: [],
  messages: DECREASING_MESSAGES,
  inspector: DECREASING_INSPECTOR,
  watchPolicies: { party: DecreasingPolicy },
};

registerConstruction(DECREASING);

export * from './kinds';
export {
  DECREASING_SEQUENCE, DecreasingContext, DecreasingForm, DecreasingParams, INCREMENTAL_RELAY_FEE_RATE, KICKOFF_LOCKTIME,
  decreasingBudget, decreasingIndexOfLockTime, decreasingLockTime, verifyDecreasingParams,
} from './params';
export * from './tx/weights';
export * from './tx/anchor-child';
export {
  DECREASING_CLOSE_LOCKTIME, DecreasingBalances, DecreasingCloseParams, DecreasingKickoffParams, DecreasingStateParams,
  buildDecreasingCloseTx, buildDecreasingKickoffTx, buildDecreasingStateTx, decreasingCloseSpend, decreasingKickoffSpend,
  decreasingStateInput, decreasingStateSpend,
} from './tx/states';
export * from './tx/signer';
export * from './protocol/messages';
export { DecreasingAccepted, DecreasingCloseAccepted, DecreasingPayment, DecreasingParty, DecreasingProposed, DecreasingReceived } from './protocol/party';
export { DecreasingFundingCheck, DecreasingPhase } from './protocol/saved';
export { DecreasingAcceptPolicy } from './protocol/terms';
export * from './protocol/steps';
export * from './chain/classify';
export * from './chain/watcher';
export * from './psbt/create';
