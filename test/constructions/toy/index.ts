/**
 * A construction that exists only for the tests: one template
 * (toy-vault.json: whoever holds K and the preimage of H takes the coin),
 * one message and an inspector, in this folder and nowhere else.
 * test/construction-registry.spec.ts registers it with the one call a
 * construction of the package needs (docs/adding-a-construction.md) and
 * shows the generic layers pick it up.
 */
import {
  Construction, InputView, NotMine, Recognition, ScriptTemplate, TxInspector, TxView, defineTemplate, matchTemplate,
} from '../../../lib';
import { bytes } from '../../../lib/protocol/fields';
import { defineMessage } from '../../../lib/protocol/schema';
import toyVaultJson from './toy-vault.json';

/** The toy vault's template, defined here and registered with the construction. */
export const TOY_VAULT_TEMPLATE: ScriptTemplate = defineTemplate(toyVaultJson as ScriptTemplate);

/** The one message: a claimant tells the vault's owner the preimage. */
export interface ToyClaim {
  readonly type: 'toy_claim';
  readonly vaultId: Uint8Array;
  readonly preimage: Uint8Array;
}

export const TOY_CLAIM = defineMessage<ToyClaim>({ type: 'toy_claim', fields: { vaultId: bytes(32), preimage: bytes(32) } });

function vaultInput(view: TxView): InputView | undefined {
  return view.inputs.find((i) => i.witnessScript !== undefined && matchTemplate(i.witnessScript)?.template === TOY_VAULT_TEMPLATE);
}

function recognize(view: TxView): Recognition | NotMine {
  const input = vaultInput(view);
  if (input === undefined) return { notMine: 'it spends no toy vault' };
  const match = matchTemplate(input.witnessScript!)!;
  return {
    kind: 'toy-claim',
    certain: true,
    basis: 'it spends a toy vault',
    channelInput: { index: input.index, match, branch: 'claim' },
    fundsChannel: false,
    variant: () => ({ variantNote: 'none: a toy vault has no timeout' }),
    state: () => ({ stateNote: 'none: a toy vault has no states' }),
    spends: (i) => (i.index === input.index ? 'toy vault' : 'another coin'),
    signatures: () => ({ present: [], missing: [], note: 'not a toy vault: its signers are not known' }),
    outputRole: () => 'claimant',
    assumedInput: () => undefined,
  };
}

const TOY_INSPECTOR: TxInspector = {
  name: 'toy',
  kinds: { 'toy-claim': 'toy vault claim' },
  valueRoles: { 'toy-vault': { H: 'hash whose preimage opens the vault', K: 'claimant\'s key' } },
  recognize,
  describeVariant: () => 'none',
};

/** The toy construction, as registerConstruction takes it. */
export const TOY: Construction = {
  name: 'toy',
  templates: [TOY_VAULT_TEMPLATE],
  messages: [TOY_CLAIM],
  inspector: TOY_INSPECTOR,
};
