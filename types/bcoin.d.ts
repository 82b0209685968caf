// bcoin 1.0.2 ships no types. It is a devDependency used only by the regtest
// test node and the test-side script verifier, which keep its objects
// internal, so an untyped module is enough.
declare module 'bcoin';
