/**
 * The constructions the package ships, registered in the order inspect asks
 * them about a transaction, and their API re-exported for the package entry.
 * Adding a construction is its folder and its registration here: the import
 * of its description, one registerConstruction line, one export line
 * (docs/adding-a-construction.md).
 */
import { registerConstruction } from './registry';
import { REVOCABLE } from './revocable';

export { Construction, constructionByName, registerConstruction, registeredConstructions } from './registry';

registerConstruction(REVOCABLE);
export * from './revocable';
