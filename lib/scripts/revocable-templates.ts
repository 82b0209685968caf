/**
 * The revocable channel's templates: the sender's output in the sender's
 * version of a state, CLTV and CSV variants. Loading this module registers
 * them; it belongs to the revocable construction, not to the script core.
 */
import revocableCltvJson from '../../scripts-templates/revocable/cltv.json';
import revocableCsvJson from '../../scripts-templates/revocable/csv.json';
import { registerTemplate } from './registry';
import type { ScriptTemplate } from './templates';

/** `andor(pk(R_r),pk(K_i),and_v(v:pk(S_p),after(T)))`: penalty with K_i at any time, timeout by the sender from T. */
export const REVOCABLE_CLTV_TEMPLATE: ScriptTemplate = registerTemplate(revocableCltvJson as ScriptTemplate);
/** `andor(pk(R_r),pk(K_i),and_v(v:pk(S_p),older(D)))`: penalty with K_i at any time, timeout by the sender D blocks after confirmation. */
export const REVOCABLE_CSV_TEMPLATE: ScriptTemplate = registerTemplate(revocableCsvJson as ScriptTemplate);
