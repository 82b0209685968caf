// The package's ES module entry: the CommonJS build's exports, re-exported.
// Both entries share one module instance, so a ChannelError thrown through
// one is the class the other exports.
export * from '../dist/lib/index.js';
