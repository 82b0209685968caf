// The Node entry (revchan/node): what needs Node's file system. Re-exports only; the rest is in the package entry.
export { FileChannelStore } from './channel/file-store';
export { CoreRpcBackend, CoreRpcOptions } from './chain/core-rpc';
