/**
 * What inspect asks of a construction. Each registered construction brings an
 * inspector (registerConstruction adds it, lib/constructions/registry.ts);
 * inspect asks them in registration order whether a transaction is one of
 * theirs, and the first that recognises it answers every kind-specific
 * question of the report. Inspect itself lists no kinds, as scure's ordered
 * list of output coders each says "not mine" or decodes.
 */
import { fail } from '../core/errors';
import type { Variant } from '../core/types';
import type { TemplateMatch } from '../script/match';
import type { InputShape } from '../tx/weights';
import type { InputSignatures } from './signatures';
import type { StateReading } from './state';
import type { InputView, OutputView, TxView } from './view';

/** What the caller knows beyond the input, to make the report exact. */
export interface ExplainOptions {
  /** The sender's funding key S_f: tells the two sorted funding keys apart, so the state number is exact. */
  readonly senderFundingKey?: Uint8Array;
  /** With senderFundingKey: reads the state of a transaction that does not show the funding script. */
  readonly receiverFundingKey?: Uint8Array;
}

/** The input that spends one of the construction's scripts, its template and the branch it takes. */
export interface ChannelInput {
  /** The input's index. */
  readonly index: number;
  /** The template its witness script matches, with the values. */
  readonly match: TemplateMatch;
  /** The branch of that template it takes. */
  readonly branch: string;
}

/**
 * A transaction a construction recognised, and its answers to what the report
 * asks. Made by {@link TxInspector.recognize} for one view, so its methods
 * need no other argument than the input or output they are asked about.
 */
export interface Recognition {
  /** The kind, one of the inspector's `kinds`. */
  readonly kind: string;
  /** False when only the transaction's shape was recognised, not one of the construction's scripts. */
  readonly certain: boolean;
  /** How it was recognised, for a person. */
  readonly basis: string;
  /** The input spending one of the construction's scripts, when one is in view. */
  readonly channelInput?: ChannelInput;
  /** Whether its inputs are wallet coins that fund a channel: inspect then warns of non-segwit coins and missing parents. */
  readonly fundsChannel: boolean;
  /** The channel's timeout, or why it is not known. */
  variant(): {
    /** The timeout, when a script in view shows it. */
    variant?: Variant;
    /** Why the variant is not known, when it is not. */
    variantNote?: string;
  };
  /** The state number it carries (or that of the transaction it spends), or why there is none. */
  state(): {
    /** The reading, when there is a state number. */
    state?: StateReading;
    /** Why there is none, or whose it is when it is another transaction's. */
    stateNote?: string;
  };
  /**
   * What the output an input spends is, in the transaction's story.
   *
   * @param i - The input.
   */
  spends(i: InputView): string;
  /**
   * The signatures of an input other than `channelInput` (whose template says who signs).
   *
   * @param i - The input.
   */
  signatures(i: InputView): InputSignatures;
  /**
   * Whose an output is, in the transaction's story.
   *
   * @param o - The output.
   */
  outputRole(o: OutputView): string;
  /**
   * The shape of an unsigned input whose script is not in view but known from the kind, for the weight.
   *
   * @param i - The input.
   */
  assumedInput(i: InputView): InputShape | undefined;
}

/** A construction's answer for a transaction that is not one of its own: why not, for a person. */
export interface NotMine {
  /** Why it is not one of the construction's transactions. */
  readonly notMine: string;
}

/** The inspect part of a construction. */
export interface TxInspector {
  /** The construction's name. */
  readonly name: string;
  /** Its transaction kinds, each with its label for a person (`penalty` -> `penalty claim`). */
  readonly kinds: Readonly<Record<string, string>>;
  /** What its templates' placeholders stand for, by template name, then placeholder (`R_r` -> `receiver's revocation key`). */
  readonly valueRoles: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /**
   * The transaction as one of the construction's, or why it is not. May throw
   * a ChannelError for a transaction that is its own but cannot be read.
   *
   * @param view - The PSBT or transaction.
   * @param opts - What the caller knows, checked.
   */
  recognize(view: TxView, opts: ExplainOptions): Recognition | NotMine;
  /**
   * The channel's timeout in words, for the text report.
   *
   * @param v - The variant the report names.
   */
  describeVariant(v: Variant): string;
}

/** Replaced, never changed, on each registration. */
let inspectors: readonly TxInspector[] = Object.freeze([]);

/**
 * Add a construction's inspector; registerConstruction calls this. Inspect asks
 * inspectors in the order registered.
 *
 * @param i - The inspector.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `i` is not an inspector, one of the same name is registered, or one of its kinds is another's.
 */
export function registerInspector(i: TxInspector): void {
  checkNewInspector(i);
  inspectors = Object.freeze([...inspectors, i]);
}

/** Refuse an inspector as registerInspector would, registering nothing. */
export function checkNewInspector(i: TxInspector): void {
  if (i === null || typeof i !== 'object' || typeof i.name !== 'string' || typeof i.recognize !== 'function'
    || typeof i.describeVariant !== 'function' || i.kinds === null || typeof i.kinds !== 'object'
    || i.valueRoles === null || typeof i.valueRoles !== 'object') {
    fail('INVALID_ARGUMENT', 'not an inspector: {name, kinds, valueRoles, recognize, describeVariant}');
  }
  if (inspectors.some((x) => x.name === i.name)) fail('INVALID_ARGUMENT', `an inspector named ${i.name} is registered`, { name: i.name });
  const taken = Object.keys(i.kinds).find((k) => inspectorOfKind(k) !== undefined);
  if (taken !== undefined) fail('INVALID_ARGUMENT', `kind ${taken} is another construction's`, { kind: taken });
}

/** Every registered inspector, in registration order. */
export function registeredInspectors(): readonly TxInspector[] {
  return inspectors;
}

/** The inspector whose kinds include `kind`. */
export function inspectorOfKind(kind: string): TxInspector | undefined {
  return inspectors.find((i) => Object.hasOwn(i.kinds, kind));
}

/**
 * Ask each inspector in turn; the first that recognises the transaction by
 * one of its scripts answers. One that knows it only by its shape answers
 * only if no later one sees its own script in it: a shape (a P2WSH first
 * output, a final nSequence) may be any construction's, a script is one's.
 *
 * @throws {@link ChannelError} `NOT_A_CHANNEL_TX` if none does, with the first inspector's reason.
 */
export function recognize(view: TxView, opts: ExplainOptions): { inspector: TxInspector; recognition: Recognition } {
  let why: string | undefined;
  let byShape: { inspector: TxInspector; recognition: Recognition } | undefined;
  for (const inspector of inspectors) {
    const r = inspector.recognize(view, opts);
    if ('notMine' in r) {
      why ??= r.notMine;
      continue;
    }
    if (r.certain) return { inspector, recognition: r };
    byShape ??= { inspector, recognition: r };
  }
  return byShape ?? fail('NOT_A_CHANNEL_TX', why ?? 'no registered construction recognises it');
}
