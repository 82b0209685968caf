/**
 * The revocable construction's one vocabulary of transaction kinds: inspect
 * reports them, and the chain watcher's answer for a spend of the funding
 * output is one of them, the sender's version told latest or revoked.
 */
import type { SpendClassification } from './chain/classify';

/** The transactions of a revocable channel. */
export type RevocableTxKind = 'funding' | 'sender-version' | 'receiver-version' | 'cooperative-close' | 'penalty' | 'timeout' | 'htlc-success' | 'htlc-timeout';

/** The channel transactions {@link explainInput} recognises: the revocable construction's kinds. */
export type ChannelTxKind = RevocableTxKind;

/** Each kind in words, for a person. */
export const KIND_LABELS: Readonly<Record<RevocableTxKind, string>> = {
  'funding': 'funding',
  'sender-version': 'sender\'s version',
  'receiver-version': 'receiver\'s version',
  'cooperative-close': 'cooperative close',
  'penalty': 'penalty claim',
  'timeout': 'timeout sweep',
  'htlc-success': 'HTLC success claim',
  'htlc-timeout': 'HTLC timeout claim',
};

/**
 * A spend of the funding output as the watcher tells it: a kind that spends
 * the funding output, with the sender's version told latest (its state is
 * the last agreed) or revoked (its key was revealed: punish it).
 */
export type FundingSpendKind =
  | 'latest-sender-version'
  | 'revoked-sender-version'
  | Extract<RevocableTxKind, 'receiver-version' | 'cooperative-close'>;

/** The chain classifier answers in this vocabulary (or `unknown`): a kind added to one and not the other fails to compile. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const oneVocabulary: Same<SpendClassification, FundingSpendKind | 'unknown'> = true;
void oneVocabulary;
