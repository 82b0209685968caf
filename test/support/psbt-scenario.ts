/**
 * One channel of the PSBT fixtures, from its parameters: the keys of every
 * role (BIP32 from the mnemonic, K_i from the update seed), the wallet's coins
 * in a fixed made-up previous transaction, and for each transaction kind its
 * unsigned PSBT and who signs which input with which key. Transactions spend
 * each other's outputs (funding -> versions and close -> penalty and timeout),
 * so every final transaction verifies against real prevouts.
 */
import { createHash } from 'node:crypto';
import * as bip39 from 'bip39';
import { BIP32Factory, BIP32Interface } from 'bip32';
import * as ecc from 'tiny-secp256k1';
import { Psbt, Transaction, networks } from 'bitcoinjs-lib';
import {
  ChannelParams, FundingInput, FundingParams, KeyOrigin, PrivateKey, PublicKey, asPrivateKey, combinePsbts,
  createClosePsbt, createFundingPsbt, createPenaltyPsbt, createReceiverPaymentPsbt, createSenderPaymentPsbt,
  createTimeoutPsbt, deriveChannelSeed, deriveUpdateKey, deriveUpdateSecret, extractTransaction, finalizePsbt,
  fundingOutpoint, keyOrigin, p2wpkhScript, signPsbtInput,
} from '../../lib';
import { ScenarioParameters, TransactionSelector } from './psbt-fixture-params';

const bip32 = BIP32Factory(ecc);
const masters = new Map<string, BIP32Interface>();

/** The BIP32 master of a mnemonic, on testnet versions (tprv/tpub) as regtest uses. */
export function masterFromMnemonic(mnemonic: string, passphrase: string): BIP32Interface {
  const id = `${mnemonic}\n${passphrase}`;
  let m = masters.get(id);
  if (m === undefined) {
    if (!bip39.validateMnemonic(mnemonic)) throw new Error('fixture mnemonic is not a valid BIP39 mnemonic');
    m = bip32.fromSeed(bip39.mnemonicToSeedSync(mnemonic, passphrase), networks.testnet);
    masters.set(id, m);
  }
  return m;
}

export type Party = 'sender' | 'receiver';

/** A key of the scenario: BIP32 (with origin) or a per-update key (no origin). */
export interface ScenarioKey {
  readonly name: string;
  readonly holder: string;
  readonly pubkey: PublicKey;
  readonly priv: PrivateKey;
  readonly origin?: KeyOrigin;
  /** For K_i: the state it belongs to. */
  readonly state?: number;
}

/** One signature a party adds: which input, with which key. */
export interface SigningStep {
  readonly party: Party;
  readonly input: number;
  readonly key: ScenarioKey;
}

export interface TransactionPlan {
  readonly unsigned: Psbt;
  readonly steps: readonly SigningStep[];
  /** The transactions whose outputs the inputs spend, in input order without repeats. */
  readonly spent: readonly Transaction[];
  /** The spending branch of each input: a template branch, or 'p2wpkh'. */
  readonly branches: readonly string[];
}

export interface SignedTransaction {
  readonly plan: TransactionPlan;
  /** Each party's copy of the unsigned PSBT (after a base64 round trip) with its own signatures. */
  readonly partyPsbts: ReadonlyMap<Party, Psbt>;
  /** All parties' signatures, not finalized. */
  readonly signed: Psbt;
  readonly tx: Transaction;
}

function sha256(s: string): Uint8Array {
  return createHash('sha256').update(s).digest();
}

export class Scenario {
  readonly master: BIP32Interface;
  readonly updateSeed: Uint8Array;
  readonly keys: {
    readonly coins: readonly ScenarioKey[];
    readonly senderChange: ScenarioKey;
    readonly senderTimeoutDestination: ScenarioKey;
    readonly S_f: ScenarioKey;
    readonly S_p: ScenarioKey;
    readonly R_f: ScenarioKey;
    readonly R_p: ScenarioKey;
    readonly R_r: ScenarioKey;
    readonly receiverPenaltyDestination: ScenarioKey;
  };
  readonly coinsTx: Transaction;
  readonly fundingParams: FundingParams;
  private readonly signedCache = new Map<string, SignedTransaction>();

  constructor(readonly params: ScenarioParameters) {
    this.master = masterFromMnemonic(params.mnemonic, params.passphrase);
    this.updateSeed = deriveChannelSeed(this.master, params.channelIndex);
    const p = params.paths;
    const k = (name: string, holder: string, path: string) => this.bip32Key(name, holder, path);
    this.keys = {
      coins: params.coins.map((c, i) => k(`S_coin${i}`, 'sender wallet', c.path)),
      senderChange: k('S_change', 'sender wallet', p.senderChange),
      senderTimeoutDestination: k('S_sweep', 'sender wallet', p.senderTimeoutDestination),
      S_f: k('S_f', 'sender', p.senderFunding),
      S_p: k('S_p', 'sender', p.senderPayout),
      R_f: k('R_f', 'receiver', p.receiverFunding),
      R_p: k('R_p', 'receiver', p.receiverPayout),
      R_r: k('R_r', 'receiver', p.receiverRevocation),
      receiverPenaltyDestination: k('R_claim', 'receiver wallet', p.receiverPenaltyDestination),
    };
    this.coinsTx = this.makeCoinsTx();
    this.fundingParams = {
      inputs: params.coins.map((c, vout): FundingInput => ({
        txid: this.coinsTx.getId(),
        vout,
        value: BigInt(c.value),
        script: this.coinsTx.outs[vout]!.script,
        prevTx: this.coinsTx.toBuffer(),
      })),
      capacity: BigInt(params.capacity),
      senderFundingKey: this.keys.S_f.pubkey,
      receiverFundingKey: this.keys.R_f.pubkey,
      changeScript: p2wpkhScript(this.keys.senderChange.pubkey),
      feeRate: BigInt(params.fundingFeeRate),
    };
  }

  private bip32Key(name: string, holder: string, path: string): ScenarioKey {
    const origin = keyOrigin(this.master, path);
    const priv = asPrivateKey(Uint8Array.from(this.master.derivePath(path).privateKey!));
    return { name, holder, pubkey: origin.pubkey, priv, origin };
  }

  /**
   * A made-up transaction paying the wallet's coins: its input spends an
   * outpoint that exists nowhere, which no fixture check looks at; its outputs
   * are what the funding inputs spend, and it is their nonWitnessUtxo.
   */
  private makeCoinsTx(): Transaction {
    const tx = new Transaction();
    tx.version = 2;
    tx.addInput(sha256(`revchan psbt fixtures: coins of channel ${this.params.channelIndex}`), 0, 0xffffffff);
    this.params.coins.forEach((c, i) => tx.addOutput(p2wpkhScript(this.keys.coins[i]!.pubkey), BigInt(c.value)));
    return tx;
  }

  /** K_i: held by the sender, its secret revealed to the receiver when state i+1 is agreed. */
  updateKey(state: number): ScenarioKey {
    const last = this.params.payments.length;
    const holder = state < last
      ? `sender; the secret k_${state} is revealed to the receiver by payment ${state + 1}`
      : 'sender; not revealed (latest state)';
    const priv = deriveUpdateSecret(this.updateSeed, BigInt(state));
    return { name: `K_${state}`, holder, pubkey: deriveUpdateKey(this.updateSeed, BigInt(state)), priv, state };
  }

  /** Every key the scenario's scripts can mention. */
  allKeys(): ScenarioKey[] {
    const k = this.keys;
    const updates = Array.from({ length: this.params.payments.length + 1 }, (_, i) => this.updateKey(i));
    return [...k.coins, k.senderChange, k.senderTimeoutDestination, k.S_f, k.S_p, k.R_f, k.R_p, k.R_r, k.receiverPenaltyDestination, ...updates];
  }

  /** a_i: what state i pays the receiver. */
  amount(state: number): bigint {
    if (!Number.isInteger(state) || state < 0 || state > this.params.payments.length) throw new Error(`no state ${state}`);
    return this.params.payments.slice(0, state).reduce((s, x) => s + BigInt(x), 0n);
  }

  get latestState(): number {
    return this.params.payments.length;
  }

  fundingTx(): Transaction {
    return this.sign({ kind: 'funding' }).tx;
  }

  channel(): ChannelParams {
    const k = this.keys;
    return {
      fundingOutpoint: fundingOutpoint(this.fundingTx()),
      capacity: BigInt(this.params.capacity),
      senderFundingKey: k.S_f.pubkey,
      receiverFundingKey: k.R_f.pubkey,
      senderPayoutKey: k.S_p.pubkey,
      receiverPayoutKey: k.R_p.pubkey,
      receiverRevocationKey: k.R_r.pubkey,
      variant: this.params.variant,
      feeRate: BigInt(this.params.feeRate),
    };
  }

  private origins(keys: readonly ScenarioKey[]): KeyOrigin[] {
    return keys.map((k) => k.origin!);
  }

  plan(sel: TransactionSelector): TransactionPlan {
    const k = this.keys;
    if (sel.kind === 'funding') {
      const unsigned = createFundingPsbt(this.fundingParams, {
        origins: this.origins([...k.coins, k.senderChange]),
        channelOrigins: { senderFunding: k.S_f.origin!, receiverFunding: k.R_f.origin! },
      });
      const steps = k.coins.map((key, input): SigningStep => ({ party: 'sender', input, key }));
      return { unsigned, steps, spent: [this.coinsTx], branches: k.coins.map(() => 'p2wpkh') };
    }
    const channel = this.channel();
    const funding = this.fundingTx();
    // Both parties sign spends of the funding output; both funding keys and both payout keys are annotated.
    const twoOfTwo = { origins: this.origins([k.S_f, k.R_f, k.S_p, k.R_p, k.R_r]), fundingTx: funding.toBuffer() };
    const multisig = (unsigned: Psbt): TransactionPlan => ({
      unsigned,
      steps: [{ party: 'sender', input: 0, key: k.S_f }, { party: 'receiver', input: 0, key: k.R_f }],
      spent: [funding],
      branches: ['multisig'],
    });
    switch (sel.kind) {
      case 'sender-version':
        return multisig(createSenderPaymentPsbt(
          { channel, index: BigInt(sel.state), amount: this.amount(sel.state), updateKey: this.updateKey(sel.state).pubkey }, twoOfTwo));
      case 'receiver-version':
        return multisig(createReceiverPaymentPsbt({ channel, index: BigInt(sel.state), amount: this.amount(sel.state) }, twoOfTwo));
      case 'close':
        return multisig(createClosePsbt({ channel, amount: this.amount(this.latestState), feeRate: BigInt(this.params.closeFeeRate) }, twoOfTwo));
      case 'penalty': {
        if (sel.state >= this.latestState) throw new Error(`state ${sel.state} is not revoked`);
        const revoked = this.sign({ kind: 'sender-version', state: sel.state }).tx;
        const K = this.updateKey(sel.state);
        const unsigned = createPenaltyPsbt({
          channel,
          revokedTx: revoked.toBuffer(),
          updateKey: K.pubkey,
          destinationScript: p2wpkhScript(k.receiverPenaltyDestination.pubkey),
          feeRate: BigInt(this.params.penaltyFeeRate),
        }, { origins: this.origins([k.R_r, k.R_p, k.receiverPenaltyDestination]) });
        // The receiver signs the penalty branch with the revealed k_i and R_r, and its own output with R_p.
        const steps: SigningStep[] = [{ party: 'receiver', input: 0, key: K }, { party: 'receiver', input: 0, key: k.R_r }];
        const branches = ['penalty'];
        if (unsigned.inputCount === 2) {
          steps.push({ party: 'receiver', input: 1, key: k.R_p });
          branches.push('p2wpkh');
        }
        return { unsigned, steps, spent: [revoked], branches };
      }
      case 'timeout': {
        const senderTx = this.sign({ kind: 'sender-version', state: sel.state }).tx;
        const unsigned = createTimeoutPsbt({
          channel,
          senderTx: senderTx.toBuffer(),
          updateKey: this.updateKey(sel.state).pubkey,
          destinationScript: p2wpkhScript(k.senderTimeoutDestination.pubkey),
          feeRate: BigInt(this.params.timeoutFeeRate),
        }, { origins: this.origins([k.S_p, k.senderTimeoutDestination]) });
        return { unsigned, steps: [{ party: 'sender', input: 0, key: k.S_p }], spent: [senderTx], branches: ['timeout'] };
      }
    }
  }

  /**
   * Each party signs its own copy of the unsigned PSBT as received (base64),
   * the copies are combined in party order (sender first), then finalized.
   */
  sign(sel: TransactionSelector): SignedTransaction {
    const id = JSON.stringify(sel);
    const cached = this.signedCache.get(id);
    if (cached) return cached;
    const plan = this.plan(sel);
    const partyPsbts = new Map<Party, Psbt>();
    for (const step of plan.steps) {
      let psbt = partyPsbts.get(step.party);
      if (psbt === undefined) {
        psbt = Psbt.fromBase64(plan.unsigned.toBase64());
        partyPsbts.set(step.party, psbt);
      }
      signPsbtInput(psbt, step.input, step.key.priv);
    }
    const [first, ...rest] = [...partyPsbts.values()];
    const signed = rest.reduce((a, b) => combinePsbts(a, b), first!.clone());
    const tx = extractTransaction(finalizePsbt(signed.clone()));
    const result = { plan, partyPsbts, signed, tx };
    this.signedCache.set(id, result);
    return result;
  }
}
