/**
 * `npm run demo -- --json` as a user runs it (the built script, in its own
 * process), for the decreasing-lock sections: their transactions carry the
 * construction's kinds (each decodes and inspect names it so), S_5 was
 * refused one block before its lock in both forms and then mined, the stale
 * S_4 refused, and channel DC closed cooperatively; and for the duplex
 * sections: their kinds (duplex-setup, duplex-kickoff, duplex-node,
 * duplex-leaf, duplex-simplex-payment, duplex-simplex-refund, duplex-close),
 * each confirmed and named by inspect (the kickoff and close by the shape
 * they share with the decreasing-lock channel's), and the stale node refused
 * as non-final, then as spent.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import { explainTransaction } from '../lib';

const MAIN = path.join(__dirname, '..', 'demo', 'main.js');

interface DemoJson {
  transactions: { kind: string; channel: string; txid: string; hex: string; blockHeight: number | null }[];
  channels: { name: string; agreed: { state: number }; settled: { by: string; receiver: string; sender: string } }[];
  refusals: { channel: string; what: string; kind: string; txid: string; height: number; reason: string }[];
  twoHop: {
    hash: string; preimage: string; fee: string;
    steps: { kind: string; channel: string; id: number; amount?: string; expiry?: number }[];
    closes: { channel: string; txid: string; receiver: string; sender: string; fee: string }[];
  };
}

function runDemo(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`the demo exited ${code}:\n${err}`))));
  });
}

describe('npm run demo -- --json: the decreasing-lock and duplex channels and the two-hop payment', function () {
  this.timeout(180_000);
  let r: DemoJson;

  before(async () => {
    r = JSON.parse(await runDemo()) as DemoJson;
  });

  it('lists each decreasing-lock transaction under its construction\'s kind, confirmed, and inspect names it the same', () => {
    const ours = r.transactions.filter((t) => ['DL', 'DK', 'DC'].includes(t.channel));
    expect(ours.map((t) => `${t.channel} ${t.kind}`)).to.deep.equal([
      'DL decreasing-funding', 'DL decreasing-state',
      'DK decreasing-funding', 'DK decreasing-kickoff', 'DK decreasing-state',
      'DC decreasing-funding', 'DC decreasing-close',
    ]);
    for (const t of ours) {
      expect(t.blockHeight, t.txid).to.be.a('number');
      const tx = Transaction.fromHex(t.hex);
      expect(tx.getId()).to.equal(t.txid);
      expect(explainTransaction(tx).kind).to.equal(t.kind === 'decreasing-funding' ? 'funding' : t.kind);
    }
  });

  it('S_5 refused a block before its lock in both forms, then mined; S_4 refused; the states pay the agreed balances', () => {
    const minedAt = (channel: string, kind: string) => r.transactions.find((t) => t.channel === channel && t.kind === kind)!;
    expect(r.refusals.filter((x) => x.channel.startsWith('D')).map((x) => `${x.channel} ${x.what} ${x.reason}`)).to.deep.equal([
      'DL S_5 non-final', 'DL S_4 bad-txns-inputs-missingorspent',
      'DK S_5 non-BIP68-final', 'DK S_4 non-BIP68-final', 'DK S_4 bad-txns-inputs-missingorspent',
    ]);
    for (const x of r.refusals.filter((y) => y.channel.startsWith('D'))) expect(x.kind).to.equal('decreasing-state');
    for (const ch of ['DL', 'DK']) {
      const s5 = minedAt(ch, 'decreasing-state');
      const early = r.refusals.find((x) => x.channel === ch && x.what === 'S_5')!;
      expect(early.txid).to.equal(s5.txid);
      // Refused with the tip a block short; broadcast the next block, mined in the one after.
      expect(s5.blockHeight).to.equal(early.height + 2);
      const c = r.channels.find((x) => x.name === ch)!;
      expect([c.agreed.state, c.settled.by]).to.deep.equal([5, 'decreasing-state']);
    }
    expect(r.channels.find((x) => x.name === 'DC')!.settled.by).to.equal('decreasing-close');
  });

  it('lists each duplex transaction under its kind, confirmed, named by inspect; the stale node refused as non-final, then as spent', () => {
    const ours = r.transactions.filter((t) => ['XU', 'XC'].includes(t.channel));
    expect(ours.map((t) => `${t.channel} ${t.kind}`)).to.deep.equal([
      'XU duplex-setup', 'XU duplex-kickoff', 'XU duplex-node', 'XU duplex-leaf', 'XU duplex-simplex-payment', 'XU duplex-simplex-refund',
      'XC duplex-setup', 'XC duplex-close',
    ]);
    const named: Record<string, string> = { 'duplex-setup': 'funding', 'duplex-kickoff': 'decreasing-kickoff', 'duplex-close': 'decreasing-close' };
    for (const t of ours) {
      expect(t.blockHeight, t.txid).to.be.a('number');
      const tx = Transaction.fromHex(t.hex);
      expect(tx.getId()).to.equal(t.txid);
      if (t.kind !== 'duplex-setup') expect(explainTransaction(tx).kind).to.equal(named[t.kind] ?? t.kind);
    }
    expect(r.refusals.filter((x) => x.channel === 'XU').map((x) => `${x.kind} ${x.reason}`)).to.deep.equal([
      'duplex-node non-BIP68-final', 'duplex-node bad-txns-inputs-missingorspent',
    ]);
    expect(r.channels.filter((c) => ['XU', 'XC'].includes(c.name)).map((c) => c.settled.by)).to.deep.equal(['duplex-simplex-payment', 'duplex-close']);
  });

  it('shows A -> B -> C: the HTLC added on AB, forwarded on BC for the same hash less the fee with E_out = E_in - D - G, fulfilled and settled both ways, the closes paying B and C', () => {
    const h = r.twoHop;
    expect(h.steps.map((x) => `${x.kind} ${x.channel}`)).to.deep.equal([
      'htlc-add AB', 'htlc-forward BC', 'htlc-fulfill BC', 'htlc-fulfill AB', 'htlc-settle BC', 'htlc-settle AB',
    ]);
    const add = h.steps[0]!;
    const fwd = h.steps[1]!;
    expect(BigInt(add.amount!) - BigInt(fwd.amount!)).to.equal(BigInt(h.fee));
    expect(add.expiry! - fwd.expiry!).to.equal(12 + 12);
    expect(createHash('sha256').update(Buffer.from(h.preimage, 'hex')).digest('hex')).to.equal(h.hash);
    expect(h.closes.map((c) => [c.channel, c.receiver])).to.deep.equal([['AB', add.amount], ['BC', fwd.amount]]);
    const ours = r.transactions.filter((t) => ['AB', 'BC'].includes(t.channel));
    expect(ours.map((t) => `${t.channel} ${t.kind}`)).to.deep.equal(['AB funding', 'BC funding', 'AB cooperative-close', 'BC cooperative-close']);
    for (const t of ours) {
      expect(t.blockHeight, t.txid).to.be.a('number');
      expect(explainTransaction(Transaction.fromHex(t.hex)).kind).to.equal(t.kind);
    }
    for (const c of h.closes) expect(ours.find((t) => t.txid === c.txid)!.kind).to.equal('cooperative-close');
  });
});
