// Types of the ES module entry (esm/index.mjs): the CommonJS build's.
export * from '../dist/lib/index.js';
