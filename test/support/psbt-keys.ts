/**
 * The two BIP32 masters and key paths the PSBT tests and the PSBT corpus sign
 * with (fixed seeds, so every signature is reproducible).
 */
import { BIP32Factory } from 'bip32';
import { ChannelKeyOrigins, keyOrigin } from '../../lib';
import * as ecc from 'tiny-secp256k1';

const bip32 = BIP32Factory(ecc);

export const senderMaster = bip32.fromSeed(Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex'));
export const receiverMaster = bip32.fromSeed(Buffer.from('fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0efeeedecebeae9e8e7e6e5e4e3e2e1e0', 'hex'));

export const PSBT_PATHS = {
  senderWallet: "m/84'/1'/0'/0/0",
  senderNestedWallet: "m/49'/1'/0'/0/0",
  senderChange: "m/84'/1'/0'/1/0",
  senderDestination: "m/84'/1'/0'/0/1",
  senderFunding: "m/84'/1'/0'/1017/0",
  senderPayout: "m/84'/1'/0'/1017/1",
  receiverFunding: "m/84'/1'/0'/1017/0",
  receiverPayout: "m/84'/1'/0'/1017/1",
  receiverRevocation: "m/84'/1'/0'/1017/2",
  receiverDestination: "m/84'/1'/0'/0/0",
} as const;

/** The key origin of every path above. */
export const PSBT_ORIGINS = {
  senderWallet: keyOrigin(senderMaster, PSBT_PATHS.senderWallet),
  senderNestedWallet: keyOrigin(senderMaster, PSBT_PATHS.senderNestedWallet),
  senderChange: keyOrigin(senderMaster, PSBT_PATHS.senderChange),
  senderDestination: keyOrigin(senderMaster, PSBT_PATHS.senderDestination),
  senderFunding: keyOrigin(senderMaster, PSBT_PATHS.senderFunding),
  senderPayout: keyOrigin(senderMaster, PSBT_PATHS.senderPayout),
  receiverFunding: keyOrigin(receiverMaster, PSBT_PATHS.receiverFunding),
  receiverPayout: keyOrigin(receiverMaster, PSBT_PATHS.receiverPayout),
  receiverRevocation: keyOrigin(receiverMaster, PSBT_PATHS.receiverRevocation),
  receiverDestination: keyOrigin(receiverMaster, PSBT_PATHS.receiverDestination),
};

/** The channel's keys with their origins, as the PSBT creators take them. */
export const PSBT_CHANNEL_ORIGINS: ChannelKeyOrigins = {
  senderFunding: PSBT_ORIGINS.senderFunding,
  receiverFunding: PSBT_ORIGINS.receiverFunding,
  senderPayout: PSBT_ORIGINS.senderPayout,
  receiverPayout: PSBT_ORIGINS.receiverPayout,
  receiverRevocation: PSBT_ORIGINS.receiverRevocation,
};
