/**
 * Parameters of the PSBT fixtures (fixtures/psbt/): one channel per variant,
 * funded from the BIP39 test mnemonic's wallet, with three payments behind it.
 * Every fixture file records the parameters it was built from; `readParameters`
 * checks such a record and returns it in canonical form, so the regression
 * test rebuilds each file from what the file itself says.
 *
 * Derivation paths (one mnemonic, no passphrase; each party on its own accounts):
 *
 *   role                                  path
 *   sender wallet coins (P2WPKH)          m/84'/1'/0'/0/0, m/84'/1'/0'/0/1
 *   sender change                         m/84'/1'/0'/1/0
 *   sender timeout destination            m/84'/1'/0'/0/2
 *   sender funding key S_f                m/1017'/1'/0'/0/n
 *   sender payout key S_p                 m/1017'/1'/0'/1/n
 *   receiver funding key R_f              m/1017'/1'/1'/0/n
 *   receiver payout key R_p               m/1017'/1'/1'/1/n
 *   receiver revocation key R_r           m/1017'/1'/1'/2/n
 *   receiver penalty destination          m/84'/1'/1'/0/0
 *   sender update seed (not a key path)   m/1017'/0'/n'  (deriveChannelSeed)
 *
 * n is the channel index. Per-update keys K_i are not BIP32 keys: k_i is the
 * shachain secret of index 2^48-1-i from the channel's update seed.
 */
import { Variant, checkVariant } from '../../lib';

export const TEST_MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

export type TransactionKind = 'funding' | 'sender-version' | 'receiver-version' | 'close' | 'penalty' | 'timeout';

export type TransactionSelector =
  | { readonly kind: 'funding' | 'close' }
  | { readonly kind: 'sender-version' | 'receiver-version' | 'penalty' | 'timeout'; readonly state: number };

export interface PathParameters {
  readonly senderFunding: string;
  readonly senderPayout: string;
  readonly senderChange: string;
  readonly senderTimeoutDestination: string;
  readonly receiverFunding: string;
  readonly receiverPayout: string;
  readonly receiverRevocation: string;
  readonly receiverPenaltyDestination: string;
}

export interface CoinParameters {
  readonly path: string;
  readonly value: string;
}

/** What a channel scenario is built from. Satoshis and fee rates (sat per 1000 weight units) are decimal strings. */
export interface ScenarioParameters {
  readonly mnemonic: string;
  readonly passphrase: string;
  readonly network: 'regtest';
  /** Channel index n: the update seed is deriveChannelSeed(master, n). */
  readonly channelIndex: number;
  readonly variant: Variant;
  readonly capacity: string;
  readonly feeRate: string;
  readonly paths: PathParameters;
  readonly coins: readonly CoinParameters[];
  readonly fundingFeeRate: string;
  /** Increments paid by each payment; state i pays the receiver the sum of the first i. */
  readonly payments: readonly string[];
  readonly closeFeeRate: string;
  readonly penaltyFeeRate: string;
  readonly timeoutFeeRate: string;
}

export interface CaseParameters extends ScenarioParameters {
  readonly transaction: TransactionSelector;
}

function channelPaths(n: number): PathParameters {
  return {
    senderFunding: `m/1017'/1'/0'/0/${n}`,
    senderPayout: `m/1017'/1'/0'/1/${n}`,
    senderChange: "m/84'/1'/0'/1/0",
    senderTimeoutDestination: "m/84'/1'/0'/0/2",
    receiverFunding: `m/1017'/1'/1'/0/${n}`,
    receiverPayout: `m/1017'/1'/1'/1/${n}`,
    receiverRevocation: `m/1017'/1'/1'/2/${n}`,
    receiverPenaltyDestination: "m/84'/1'/1'/0/0",
  };
}

function scenario(channelIndex: number, variant: Variant): ScenarioParameters {
  return {
    mnemonic: TEST_MNEMONIC,
    passphrase: '',
    network: 'regtest',
    channelIndex,
    variant,
    capacity: '1000000',
    feeRate: '1000',
    paths: channelPaths(channelIndex),
    coins: [{ path: "m/84'/1'/0'/0/0", value: '600000' }, { path: "m/84'/1'/0'/0/1", value: '500000' }],
    fundingFeeRate: '1000',
    payments: ['100000', '150000', '150000'],
    closeFeeRate: '2000',
    penaltyFeeRate: '2000',
    timeoutFeeRate: '1000',
  };
}

export const FIXTURE_CHANNELS: readonly { readonly name: string; readonly parameters: ScenarioParameters }[] = [
  { name: 'csv', parameters: scenario(0, { kind: 'csv', delay: { blocks: 144 } }) },
  { name: 'cltv-height', parameters: scenario(1, { kind: 'cltv', expiry: { height: 5000 } }) },
  { name: 'cltv-time', parameters: scenario(2, { kind: 'cltv', expiry: { time: 1_800_000_000 } }) },
];

/** The transactions of each channel that get a fixture, by file-name suffix. */
export const FIXTURE_TRANSACTIONS: readonly { readonly suffix: string; readonly transaction: TransactionSelector }[] = [
  { suffix: 'funding', transaction: { kind: 'funding' } },
  { suffix: 'refund-0', transaction: { kind: 'sender-version', state: 0 } },
  { suffix: 'sender-version-2', transaction: { kind: 'sender-version', state: 2 } },
  { suffix: 'sender-version-3', transaction: { kind: 'sender-version', state: 3 } },
  { suffix: 'receiver-version-3', transaction: { kind: 'receiver-version', state: 3 } },
  { suffix: 'close', transaction: { kind: 'close' } },
  { suffix: 'penalty-2', transaction: { kind: 'penalty', state: 2 } },
  { suffix: 'timeout-3', transaction: { kind: 'timeout', state: 3 } },
];

export const FIXTURE_CASES: readonly { readonly name: string; readonly parameters: CaseParameters }[] = FIXTURE_CHANNELS.flatMap((c) =>
  FIXTURE_TRANSACTIONS.map((t) => ({ name: `${c.name}-${t.suffix}`, parameters: { ...c.parameters, transaction: t.transaction } })));

// ---------------------------------------------------------------------------
// Reading parameters back from a fixture file: strict, canonical key order.

function bad(what: string): never {
  throw new Error(`fixture parameters: ${what}`);
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) bad(`${what} must be an object`);
  return v as Record<string, unknown>;
}

function exactKeys(o: Record<string, unknown>, keys: readonly string[], what: string): void {
  const got = Object.keys(o).sort().join(',');
  if (got !== [...keys].sort().join(',')) bad(`${what} must have exactly ${keys.join(', ')}`);
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') bad(`${what} must be a string`);
  return v;
}

function sats(v: unknown, what: string): string {
  const s = str(v, what);
  if (!/^(0|[1-9][0-9]*)$/.test(s)) bad(`${what} must be a decimal string`);
  return s;
}

function int(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) bad(`${what} must be a non-negative integer`);
  return v;
}

function path(v: unknown, what: string): string {
  const s = str(v, what);
  if (!/^m(\/\d+'?)*$/.test(s)) bad(`${what} must be a derivation path`);
  return s;
}

function variant(v: unknown): Variant {
  const o = obj(v, 'variant');
  if (o.kind === 'csv') {
    exactKeys(o, ['kind', 'delay'], 'variant');
    const d = obj(o.delay, 'variant.delay');
    exactKeys(d, ['blocks'], 'variant.delay');
    return checkVariant({ kind: 'csv', delay: { blocks: int(d.blocks, 'variant.delay.blocks') } });
  }
  exactKeys(o, ['kind', 'expiry'], 'variant');
  if (o.kind !== 'cltv') bad('variant.kind must be csv or cltv');
  const e = obj(o.expiry, 'variant.expiry');
  if ('height' in e) {
    exactKeys(e, ['height'], 'variant.expiry');
    return checkVariant({ kind: 'cltv', expiry: { height: int(e.height, 'variant.expiry.height') } });
  }
  exactKeys(e, ['time'], 'variant.expiry');
  return checkVariant({ kind: 'cltv', expiry: { time: int(e.time, 'variant.expiry.time') } });
}

const PATH_KEYS: readonly (keyof PathParameters)[] = [
  'senderFunding', 'senderPayout', 'senderChange', 'senderTimeoutDestination',
  'receiverFunding', 'receiverPayout', 'receiverRevocation', 'receiverPenaltyDestination',
];

function selector(v: unknown): TransactionSelector {
  const o = obj(v, 'transaction');
  if (o.kind === 'funding' || o.kind === 'close') {
    exactKeys(o, ['kind'], 'transaction');
    return { kind: o.kind };
  }
  if (o.kind === 'sender-version' || o.kind === 'receiver-version' || o.kind === 'penalty' || o.kind === 'timeout') {
    exactKeys(o, ['kind', 'state'], 'transaction');
    return { kind: o.kind, state: int(o.state, 'transaction.state') };
  }
  return bad('transaction.kind is not known');
}

/** A fixture's recorded parameters, checked, in the key order the generator writes. */
export function readParameters(v: unknown): CaseParameters {
  const o = obj(v, 'parameters');
  exactKeys(o, [
    'transaction', 'mnemonic', 'passphrase', 'network', 'channelIndex', 'variant', 'capacity', 'feeRate', 'paths',
    'coins', 'fundingFeeRate', 'payments', 'closeFeeRate', 'penaltyFeeRate', 'timeoutFeeRate',
  ], 'parameters');
  if (o.network !== 'regtest') bad('network must be regtest');
  const p = obj(o.paths, 'paths');
  exactKeys(p, PATH_KEYS, 'paths');
  if (!Array.isArray(o.coins) || o.coins.length === 0) bad('coins must be a non-empty array');
  if (!Array.isArray(o.payments)) bad('payments must be an array');
  return {
    transaction: selector(o.transaction),
    mnemonic: str(o.mnemonic, 'mnemonic'),
    passphrase: str(o.passphrase, 'passphrase'),
    network: 'regtest',
    channelIndex: int(o.channelIndex, 'channelIndex'),
    variant: variant(o.variant),
    capacity: sats(o.capacity, 'capacity'),
    feeRate: sats(o.feeRate, 'feeRate'),
    paths: Object.fromEntries(PATH_KEYS.map((k) => [k, path(p[k], `paths.${k}`)])) as unknown as PathParameters,
    coins: o.coins.map((c, i) => {
      const co = obj(c, `coins[${i}]`);
      exactKeys(co, ['path', 'value'], `coins[${i}]`);
      return { path: path(co.path, `coins[${i}].path`), value: sats(co.value, `coins[${i}].value`) };
    }),
    fundingFeeRate: sats(o.fundingFeeRate, 'fundingFeeRate'),
    payments: o.payments.map((x, i) => sats(x, `payments[${i}]`)),
    closeFeeRate: sats(o.closeFeeRate, 'closeFeeRate'),
    penaltyFeeRate: sats(o.penaltyFeeRate, 'penaltyFeeRate'),
    timeoutFeeRate: sats(o.timeoutFeeRate, 'timeoutFeeRate'),
  };
}

/** The same parameters in canonical key order (the selector first, as the files show it). */
export function canonicalParameters(p: CaseParameters): CaseParameters {
  return readParameters(JSON.parse(JSON.stringify(p)));
}
