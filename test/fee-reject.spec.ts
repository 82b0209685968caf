/**
 * isFeeRejection over the reason strings Bitcoin Core and bcoin give
 * (fixtures/chain/fee-rejections.json), and over what is not a node's refusal.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { ChannelError, isFeeRejection } from '../lib';

interface Row {
  readonly description: string;
  readonly reason: string;
  readonly expected: boolean;
}

const fixtures = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'fixtures', 'chain', 'fee-rejections.json'), 'utf8')) as { valid: Row[] };

describe('isFeeRejection', () => {
  for (const row of fixtures.valid) {
    it(`${row.description}: ${JSON.stringify(row.reason)} -> ${row.expected}`, () => {
      const e = new ChannelError('BROADCAST_REJECTED', 'node rejected the tx', { txid: '00'.repeat(32), reason: row.reason });
      expect(isFeeRejection(e)).to.equal(row.expected);
    });
  }

  it('is false for anything but a BROADCAST_REJECTED with a reason string', () => {
    const others: [string, unknown][] = [
      ['a CHAIN_BACKEND error with a fee reason', new ChannelError('CHAIN_BACKEND', 'timeout', { reason: 'mempool full' })],
      ['a BROADCAST_REJECTED without details', new ChannelError('BROADCAST_REJECTED', 'node rejected the tx')],
      ['a BROADCAST_REJECTED without a reason', new ChannelError('BROADCAST_REJECTED', 'node rejected the tx', { txid: '00'.repeat(32) })],
      ['a reason that is not a string', new ChannelError('BROADCAST_REJECTED', 'node rejected the tx', { reason: 66 })],
      ['a plain Error saying the fee was too low', new Error('min relay fee not met')],
      ['an object that looks like the error', { code: 'BROADCAST_REJECTED', details: { reason: 'min relay fee not met' } }],
      ['undefined', undefined],
      ['null', null],
      ['a string', 'min relay fee not met'],
    ];
    for (const [name, e] of others) expect(isFeeRejection(e), name).to.equal(false);
  });
});
