// The Node-only entry (revchan/node) as an ES module: the CommonJS build's exports, re-exported.
export * from '../dist/lib/node.js';
