/**
 * The constructions the package ships, and their API re-exported for the
 * package entry. Each line loads one construction's folder, whose index
 * describes the construction and registers it; the order of the lines is the
 * order of registration, which is the order inspect asks the constructions
 * about a transaction. Adding a construction is its folder and one line here
 * (docs/adding-a-construction.md).
 */
export { Construction, constructionByName, registerConstruction, registeredConstructions } from './registry';

export * from './revocable';
export * from './spillman';
export * from './decreasing';
export * from './duplex';
