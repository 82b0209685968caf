// Node-only ECC: the native secp256k1 adapter, kept out of the portable package entry (to join the revchan/node entry).
export { loadNativeEcc } from './ecc-native';
