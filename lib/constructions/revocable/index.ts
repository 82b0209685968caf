/**
 * The revocable construction: a sender pays a receiver through payment
 * versions whose sender output is revocable, each older version punished
 * by a penalty claim once its per-update key is revealed. This describes it
 * to the generic layers; lib/constructions/index.ts registers it.
 */
import type { Construction } from '../registry';
import { REVOCABLE_INSPECTOR } from './inspect/describe';
import { REVOCABLE_MESSAGES } from './protocol/messages';
import { REVOCABLE_CLTV_TEMPLATE, REVOCABLE_CSV_TEMPLATE } from './templates';

/** The revocable construction, as registerConstruction takes it. */
export const REVOCABLE: Construction = {
  name: 'revocable',
  templates: [REVOCABLE_CLTV_TEMPLATE, REVOCABLE_CSV_TEMPLATE],
  messages: REVOCABLE_MESSAGES,
  inspector: REVOCABLE_INSPECTOR,
};
