/**
 * The valid encodings the fuzz spec mutates, read from the bad-input corpus's
 * baselines (fixtures/bad-inputs/), so both suites start from the same bytes.
 */
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { Psbt, Transaction } from 'bitcoinjs-lib';
import { ReceiverSecrets, SenderSecrets } from '../../lib';
import { Baselines, decode } from './bad-inputs-codec';

const DIR = path.resolve(__dirname, '..', '..', '..', 'fixtures', 'bad-inputs');

function baselines(file: string): Baselines {
  return (JSON.parse(readFileSync(path.join(DIR, file), 'utf8')) as { baselines: Baselines }).baselines;
}

function value<T>(file: string, name: string): T {
  const b = baselines(file);
  if (!(name in b)) throw new Error(`${file} has no baseline ${name}`);
  return decode(b[name]!, b) as T;
}

/** A baseline of the party files, from whichever file holds it (each holds only what its cases use). */
function partyValue<T>(name: string): T {
  for (const f of readdirSync(DIR).filter((n) => n.startsWith('parties-')).sort()) {
    const b = baselines(f);
    if (name in b) return decode(b[name]!, b) as T;
  }
  throw new Error(`no party file has a baseline ${name}`);
}

/** Wire JSON of every message type and its other baselines (a CLTV open_channel), from every message file. */
export function messageBases(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of readdirSync(DIR).filter((n) => n.startsWith('messages-')).sort()) {
    const b = baselines(f);
    for (const name of Object.keys(b)) if (!(name in out)) out[name] = decode(b[name]!, b);
  }
  return out;
}

/** In-memory messages of the channel run whose saved states the party files hold. */
export function partyMessages(): Record<string, unknown> {
  const names = ['open', 'acceptChannel', 'fundingCreated', 'fundingSigned', 'offer', 'accept', 'revoke', 'closeOffer', 'closeSigned', 'receiverCloseOffer', 'senderCloseSigned'];
  return Object.fromEntries(names.map((n) => [n, partyValue(n)]));
}

export function secrets(): { sender: SenderSecrets; receiver: ReceiverSecrets } {
  return { sender: partyValue('senderSecrets'), receiver: partyValue('receiverSecrets') };
}

/** Saved states of both parties at every step of the run, by name. */
export function savedStates(): Record<string, { role: string; state: unknown }> {
  const out: Record<string, { role: string; state: unknown }> = {};
  for (const f of readdirSync(DIR)) {
    if (!f.startsWith('parties-')) continue;
    const j = JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as { parties: Record<string, { role: string; state: unknown }> };
    for (const [name, p] of Object.entries(j.parties)) if (p.role !== 'revocation-store') out[name] = { role: p.role, state: p.state };
  }
  return out;
}

export function revocationStores(): unknown[] {
  return [value('state-RevocationStore.fromJSON.json', 'store'), value('state-RevocationStore.fromJSON.json', 'store8')];
}

/** Raw transactions of the run: funding, sender's and receiver's versions, the cooperative close. */
export function transactions(): Record<string, Uint8Array> {
  const names = ['fundingTx', 'senderVersion1', 'senderVersion3', 'receiverVersion2', 'closeTx'];
  return Object.fromEntries(names.map((n) => [n, partyValue<Uint8Array>(n)]));
}

export function destination(): Uint8Array {
  return partyValue('destination');
}

/** Our PSBT of each kind, what it must match, a key that signs its first input and the counterparty's signature. */
export interface PsbtBase {
  readonly kind: string;
  readonly ours: Psbt;
  readonly expectedTx: Transaction;
  readonly ownKey: Uint8Array;
  readonly counterparty?: { pub: Uint8Array; sig: Uint8Array };
  readonly senderMaster: unknown;
}

export function psbtBases(): PsbtBase[] {
  return ['funding', 'sender-payment', 'receiver-payment', 'close', 'penalty', 'timeout'].map((kind) => {
    const f = `psbt-${kind}.json`;
    const b = baselines(f);
    return {
      kind,
      ours: value<Psbt>(f, 'ours'),
      expectedTx: value<Transaction>(f, 'expectedTx'),
      ownKey: value<Uint8Array>(f, 'ownKey'),
      ...('counterpartySig' in b ? { counterparty: { pub: value<Uint8Array>(f, 'counterpartyPub'), sig: value<Uint8Array>(f, 'counterpartySig') } } : {}),
      senderMaster: value(f, 'senderMaster'),
    };
  });
}

