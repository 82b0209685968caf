/** A test key with its P2WPKH script and BIP 143 script code, for specs that spend the node's coins by hand. */
import { createHash } from 'node:crypto';
import * as bitcoin from 'bitcoinjs-lib';
import { ECPairFactory } from 'ecpair';
import * as ecc from 'tiny-secp256k1';

export interface Coin {
  txid: string;
  vout: number;
  value: bigint;
}

export function spendKey(label: string) {
  const key = ECPairFactory(ecc).fromPrivateKey(createHash('sha256').update(label).digest());
  const payment = bitcoin.payments.p2wpkh({ pubkey: key.publicKey });
  return { key, SCRIPT: payment.output!, SCRIPT_CODE: bitcoin.payments.p2pkh({ hash: payment.hash! }).output! };
}
