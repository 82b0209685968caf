/**
 * The constructions the package ships, one registration line each, in the
 * order inspect asks them about a transaction. Adding a construction is its
 * folder and one line here (docs/adding-a-construction.md).
 */
import { registerConstruction } from './registry';
import { REVOCABLE } from './revocable';

registerConstruction(REVOCABLE);

export { Construction, constructionByName, registerConstruction, registeredConstructions } from './registry';
