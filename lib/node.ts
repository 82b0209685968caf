// The Node entry (revchan/node): what needs Node (its file system, a native addon). Re-exports only; the rest is in the package entry.
export { FileChannelStore } from './channel/file-store';
export { CoreRpcBackend, CoreRpcOptions } from './chain/core-rpc';
export { loadNativeEcc } from './ecc-native';
