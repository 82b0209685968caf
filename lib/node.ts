// The Node entry (revchan/node): what needs Node (its file system, a native addon). Re-exports only; the rest is in the package entry.
/**
 * What needs Node: channel stores on the file system and in PostgreSQL,
 * watch leases shared by server processes, a Bitcoin Core JSON-RPC backend,
 * and the native secp256k1. Everything else is in the package entry,
 * `revchan`.
 *
 * @module revchan/node
 */
export { FileChannelStore } from './protocol/file-store';
export { CoreRpcBackend, CoreRpcOptions } from './chain/core-rpc';
export { loadNativeEcc } from './core/ecc-native';
export { MAX_WIRE_TEXT, ReceiverHub } from './service/hub';
export { HubChannelKeys, HubKeySource, HUB_KEY_TAG, seedKeySource } from './service/hub-keys';
export { ChannelBalance, FundingOutpoint, HubEvent, HubReply, ReceiverHubOptions } from './service/hub-types';
export { FundingLost } from './service/hub-funding';
export { SqlClient, SqlResult } from './service/sql-client';
export { PostgresChannelStore, PostgresChannelStoreOptions } from './service/postgres-store';
export { WatchLeases, WatchLeasesOptions, LeaseChanges } from './service/watch-leases';
