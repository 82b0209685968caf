// Types of the ES module Node entry (esm/node.mjs): the CommonJS build's.
export * from '../dist/lib/node.js';
