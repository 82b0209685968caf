/**
 * Why some exports of lib/index.ts have no bad-input cases. Every export whose
 * name says it builds, checks or decodes something must either be exercised by
 * corpus cases or be listed here with the reason; the spec fails otherwise, so
 * a new builder or decoder cannot arrive without cases.
 */
import { constructionCorpora } from '../kit/corpus/constructions';

/**
 * Names in the project's vocabulary for functions that take outside input
 * (STYLE.md: compile*, build*, derive*, verify*, sign*, and the like), the
 * chain-facing ones (classify*, the fee schedules *FeeRate), and classes:
 * these must be targets or be listed below.
 */
export const BUILDER_OR_DECODER = /^(build|compile|create|plan|sign|verify|decode|derive|finalize|combine|extract|add|assemble|match|parse|check|as|encode|classify)[A-Z]|FeeRate$|^decoders$|^[A-Z][a-z0-9]+([A-Z][a-z0-9]+)*$/;

const CONSTANT = 'a constant';
const BYTES = 'a total function of bytes: no input it can refuse';
const CONTEXT = 'takes a ChannelContext, which only verifyChannelParams makes; reached through the build*/create* targets';
const FUNDING_CONTEXT = 'takes a FundingOutputContext, which only verifyFundingOutputParams makes; reached through the revocable build*/create* targets, which build and complete their funding spends with it';
const FUZZED_TOTAL = 'answers undefined (or false) for anything it does not recognise, never throws: fuzzed in test/fuzz.spec.ts';
const IO = 'chain and storage I/O, not a builder or decoder: covered by chain-backend, store, postgres-store and watch-leases specs';

const KIT_NOT_TARGETS: Readonly<Record<string, string>> = {
  CLOSE_LOCKTIME: CONSTANT, CLOSE_SEQUENCE: CONSTANT, CLOSE_WEIGHT: CONSTANT, DEFAULT_MARGIN: CONSTANT, DUST_P2WPKH: CONSTANT,
  DUST_P2WSH: CONSTANT, FUNDING_OUTPUT_INDEX: CONSTANT, FUNDING_SEQUENCE: CONSTANT, FUNDING_SPEND_INPUT: CONSTANT,
  FUNDING_TEMPLATE: CONSTANT, LOCKTIME_THRESHOLD: CONSTANT, MAX_CHANNEL_INDEX: CONSTANT, MAX_LOCK_TIME: CONSTANT, MAX_MONEY: CONSTANT,
  MAX_INDEX: CONSTANT, MAX_STATE: CONSTANT, MAX_SECRET_INDEX: CONSTANT, MAX_UPDATE_STATE: CONSTANT, MESSAGE_TYPES: CONSTANT, P2SH_P2WPKH_INPUT: CONSTANT, P2TR_KEYPATH_INPUT: CONSTANT,
  P2WPKH_INPUT: CONSTANT, PAYMENT_WEIGHT: CONSTANT, PROTOCOL_VERSION: CONSTANT, RBF_SEQUENCE: CONSTANT, REVOCABLE_CLTV_TEMPLATE: CONSTANT,
  REVOCABLE_CSV_TEMPLATE: CONSTANT, SIGHASH_ALL: CONSTANT, TX_VERSION: CONSTANT, PSBT_IN_SHA256: CONSTANT, UPDATE_SEED_PATH: CONSTANT,
  UPDATE_SEED_PURPOSE: CONSTANT, UPDATE_SEED_TAG: CONSTANT,
  ChannelError: 'the error type itself', fail: 'the error type itself', isChannelError: 'the error type itself',
  bytesEqual: BYTES, sha256: BYTES, sha256d: BYTES, hash160: BYTES, toHex: BYTES, fromHex: BYTES, txidToHash: BYTES, hashToTxid: BYTES,
  p2wpkhScript: BYTES, p2wshScript: BYTES, p2wpkhScriptCode: BYTES, serializeOutputs: BYTES, serializeWitness: BYTES,
  encodeScriptNumber: 'a total function of a number (the compiler checks the numbers it encodes)',
  encodeMessage: 'encodes a typed in-memory message the parties built (a field of the wrong kind is MESSAGE_INVALID: test/typed-errors.spec.ts); its output is what the decoders check',
  classifyScript: FUZZED_TOTAL, dustLimit: 'a total function of a script', matchTemplate: FUZZED_TOTAL, decodeSignature: FUZZED_TOTAL,
  findRevocableOutput: CONTEXT, senderBalance: CONTEXT, paymentOutputs: CONTEXT, senderPaymentOutputs: CONTEXT,
  receiverPaymentOutputs: CONTEXT, paymentSighash: CONTEXT, fundingSpendTx: CONTEXT, paymentTx: CONTEXT, setFundingWitness: CONTEXT,
  buildFundingSpendTx: FUNDING_CONTEXT, fundingSpendSighash: FUNDING_CONTEXT, setFundingSpendWitness: FUNDING_CONTEXT,
  planFundingSpend: FUNDING_CONTEXT, spendsFundingOutputAlone: FUNDING_CONTEXT,
  verifyFundingOutputParams: 'verifyChannelParams checks the funding output through it first: its cases (outpoint, capacity, funding keys) are verifyChannelParams\'s',
  closeOutputs: CONTEXT, closeSighash: CONTEXT, closeTx: CONTEXT, revocableScriptFor: CONTEXT, FundingSighash: CONTEXT,
  revocableTemplate: 'picks a template by variant kind; the variant is checked by verifyChannelParams',
  sortedFundingKeys: 'orders two keys the funding compiler has checked',
  deriveObscuringFactor: 'a hash of two keys verifyChannelParams has checked',
  segwitTxWeight: 'weight arithmetic over shapes the builders make', outputSize: 'weight arithmetic', revocableInput: 'weight arithmetic',
  penaltyWeight: 'weight arithmetic', timeoutWeight: 'weight arithmetic', cpfpMaxWeight: 'weight arithmetic', CPFP_MIN_FEE_RATE: CONSTANT, feeForWeight: 'fee arithmetic over checked values',
  originList: 'flattens key origins keyOrigin made', partialSignatures: 'reads a PSBT: answers [] for an input it does not have',
  fundingOutpoint: 'reads a Transaction the caller built',
  cltvCutoffReached: 'a predicate over a checked variant and the caller\'s chain view',
  timeoutOpen: 'a predicate over the sender\'s state and the chain tip',
  encodeSignature: 'DER of a 64-byte signature the signer itself made (a total function of those bytes)',
  addPreimage: 'no template of the package has a hashlock yet, so the corpus has no input to add one to; its refusals (size, a hash the script does not ask for, index, not a PSBT) are tested in test/hashlock-psbt.spec.ts',
  addDescriptorChecksum: 'appends a BIP 380 checksum to any string in its character set; refusals tested in test/bip380-descriptors.spec.ts',
  parseInspectInput: 'reached through explainInput, fuzzed in test/fuzz.spec.ts; its refusals are tested in test/inspect.spec.ts',
  FileChannelStore: IO, MemoryChannelStore: IO, CoreRpcBackend: IO, PostgresChannelStore: IO, WatchLeases: IO,
  ReceiverHub: 'a service over a store and a node: every wire message goes through the strict decoder; its refusals of garbage and of attacks are tested in test/hub.spec.ts', MAX_FEE_RATE: CONSTANT, DEFAULT_REMEMBERED_BLOCKS: CONSTANT, MAX_WIRE_TEXT: CONSTANT,
};

/** The kit's reasons, and each construction test folder's (test/kit/corpus/constructions.ts). */
export const NOT_TARGETS: Readonly<Record<string, string>> = Object.assign({}, KIT_NOT_TARGETS, ...constructionCorpora().map((c) => c.notTargets ?? {}));
