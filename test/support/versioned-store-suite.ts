/**
 * What every VersionedChannelStore promises, as one mocha suite run against
 * each store: loads and compare-and-set saves, conflicts between two stores
 * over the same data (two pools, two stores on one PGlite, or one object for
 * the one-process stores), typed refusals that write nothing, and a real
 * receiver's state going round.
 */
import { expect } from 'chai';
import { Receiver, VersionedChannelStore } from '../../lib';
import { VARIANTS } from './channel';
import { rejectionOf } from './errors';
import { openChannel, pay, receiverSecrets } from './parties';

/** Two stores over the same data, and how to let them go. */
export interface StoresUnderTest {
  readonly a: VersionedChannelStore;
  readonly b: VersionedChannelStore;
  readonly close?: () => Promise<void>;
}

/** Runs the contract against the stores `make` gives (fresh, empty ones for each test). */
export function versionedStoreSuite(name: string, make: () => Promise<StoresUnderTest>): void {
  describe(`${name}: the versioned store contract`, function () {
    let s: StoresUnderTest;
    beforeEach(async () => { s = await make(); });
    afterEach(async () => { await s.close?.(); });

    it('loads nothing for a new key, then each save one version up; keys are listed sorted', async () => {
      expect(await s.a.loadVersioned('c1')).to.equal(undefined);
      expect(await s.a.load('c1')).to.equal(undefined);
      expect(await s.a.saveVersioned('c1', { n: 1 }, 0)).to.equal(1);
      expect(await s.b.loadVersioned('c1')).to.deep.equal({ state: { n: 1 }, version: 1 });
      expect(await s.b.saveVersioned('c1', { n: 2, list: ['x', 1, null, true] }, 1)).to.equal(2);
      expect(await s.a.load('c1')).to.deep.equal({ n: 2, list: ['x', 1, null, true] });
      await s.a.saveVersioned('B-2', 'text', 0);
      await s.a.saveVersioned('a_3', [1, 2], 0);
      expect(await s.b.keys()).to.deep.equal(['B-2', 'a_3', 'c1']);
    });

    it('any JSON value is a state, null and empty ones too, saved together', async () => {
      const values: unknown[] = [null, false, 0, '', [], {}, 'null', [null], { a: null }, 1.5e300, '\u00e9\u{1f600}'];
      const versions = await Promise.all(values.map((v, i) => s.a.saveVersioned(`j${i}`, v, 0)));
      expect(versions).to.deep.equal(values.map(() => 1));
      for (const [i, v] of values.entries()) expect(await s.b.loadVersioned(`j${i}`), String(i)).to.deep.equal({ state: v, version: 1 });
      expect(await s.b.load('j0')).to.equal(null);
    });

    it('two stores saving one loaded version at once: one commits, the other gets STORE_CONFLICT (retry) and succeeds from the stored state', async () => {
      const keys = Array.from({ length: 20 }, (_, i) => `race${i}`);
      await Promise.all(keys.map((k) => s.a.saveVersioned(k, { by: 'init', paid: 0 }, 0)));
      const outcomes = await Promise.all(keys.map(async (k) => {
        const [la, lb] = await Promise.all([s.a.loadVersioned(k), s.b.loadVersioned(k)]);
        const results = await Promise.allSettled([
          s.a.saveVersioned(k, { by: 'a', paid: 1 }, la!.version),
          s.b.saveVersioned(k, { by: 'b', paid: 1 }, lb!.version),
        ]);
        return { k, results };
      }));
      for (const { k, results } of outcomes) {
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won, k).to.have.length(1);
        expect((won[0] as PromiseFulfilledResult<number>).value).to.equal(2);
        const e = await rejectionOf(Promise.reject(lost[0]!.reason));
        expect(e.code).to.equal('STORE_CONFLICT');
        expect(e.action).to.equal('retry');
        expect(e.details).to.deep.equal({ key: k, expected: 1, found: 2 });
        // The loser retries from what is stored: the payment is counted once, on top of the winner's.
        const fresh = (await s.b.loadVersioned(k))!;
        const stored = fresh.state as { by: string; paid: number };
        expect(stored.by).to.equal(results[0]!.status === 'fulfilled' ? 'a' : 'b');
        expect(await s.b.saveVersioned(k, { by: 'retry', paid: stored.paid + 1 }, fresh.version)).to.equal(3);
        expect(await s.a.loadVersioned(k)).to.deep.equal({ state: { by: 'retry', paid: 2 }, version: 3 });
      }
    });

    it('a stale or invented version is refused and writes nothing', async () => {
      await s.a.saveVersioned('k', { v: 1 }, 0);
      await s.a.saveVersioned('k', { v: 2 }, 1);
      for (const [expected, found] of [[0, 2], [1, 2], [3, 2], [100, 2]] as const) {
        const e = await rejectionOf(s.b.saveVersioned('k', { v: 'bad' }, expected));
        expect(e.code).to.equal('STORE_CONFLICT');
        expect(e.details).to.deep.equal({ key: 'k', expected, found });
      }
      const e = await rejectionOf(s.b.saveVersioned('absent', { v: 'bad' }, 4));
      expect(e.details).to.deep.equal({ key: 'absent', expected: 4, found: 0 });
      expect(await s.a.loadVersioned('k')).to.deep.equal({ state: { v: 2 }, version: 2 });
      expect(await s.a.loadVersioned('absent')).to.equal(undefined);
    });

    it('a plain save replaces whatever is stored and moves the version on', async () => {
      await s.a.save('p', { v: 1 });
      expect(await s.b.loadVersioned('p')).to.deep.equal({ state: { v: 1 }, version: 1 });
      await s.b.save('p', { v: 2 });
      expect((await rejectionOf(s.a.saveVersioned('p', { v: 3 }, 1))).code).to.equal('STORE_CONFLICT');
      expect(await s.a.saveVersioned('p', { v: 3 }, 2)).to.equal(3);
    });

    it('malformed keys, versions and states: INVALID_ARGUMENT, nothing written', async () => {
      const badKeys: unknown[] = ['../x', 'a/b', '', 'x'.repeat(129), 'sp ace', null, undefined, 5, {}];
      for (const k of badKeys) {
        for (const run of [() => s.a.saveVersioned(k as string, {}, 0), () => s.a.loadVersioned(k as string), () => s.a.save(k as string, {})]) {
          const e = await rejectionOf(run());
          expect(e.code, String(k)).to.equal('INVALID_ARGUMENT');
        }
      }
      const badVersions: unknown[] = [-1, 1.5, NaN, Infinity, 2 ** 53, '1', null, undefined, 1n];
      for (const v of badVersions) {
        expect((await rejectionOf(s.a.saveVersioned('v', {}, v as number))).code, String(v)).to.equal('INVALID_ARGUMENT');
      }
      const cycle: Record<string, unknown> = {};
      cycle.self = cycle;
      for (const state of [1n, { amount: 5n }, cycle, undefined, () => 1]) {
        expect((await rejectionOf(s.a.saveVersioned('v', state, 0))).code).to.equal('INVALID_ARGUMENT');
      }
      expect(await s.a.keys()).to.deep.equal([]);
    });

    it('a delete names the version it removes: a stale one is refused and deletes nothing; the key can be used again from 0', async () => {
      const del = (st: VersionedChannelStore, k: string, v: number) => st.deleteVersioned!(k, v);
      await s.a.saveVersioned('d', { v: 1 }, 0);
      await s.a.saveVersioned('d', { v: 2 }, 1);
      for (const [expected, found] of [[1, 2], [3, 2]] as const) {
        const e = await rejectionOf(del(s.b, 'd', expected));
        expect([e.code, e.details]).to.deep.equal(['STORE_CONFLICT', { key: 'd', expected, found }]);
      }
      expect(await s.a.loadVersioned('d')).to.deep.equal({ state: { v: 2 }, version: 2 });
      await del(s.b, 'd', 2);
      expect(await s.a.loadVersioned('d')).to.equal(undefined);
      expect(await s.a.keys()).to.deep.equal([]);
      expect((await rejectionOf(del(s.a, 'd', 2))).details).to.deep.equal({ key: 'd', expected: 2, found: 0 });
      expect(await s.a.saveVersioned('d', { v: 'new' }, 0)).to.equal(1);
      for (const v of [0, -1, 1.5, '1', null]) expect((await rejectionOf(del(s.a, 'd', v as number))).code, String(v)).to.equal('INVALID_ARGUMENT');
      for (const k of ['../d', '', null]) expect((await rejectionOf(del(s.a, k as string, 1))).code, String(k)).to.equal('INVALID_ARGUMENT');
      expect(await s.b.loadVersioned('d')).to.deep.equal({ state: { v: 'new' }, version: 1 });
    });

    it("a receiver's saved state restores to the same channel after payments", async () => {
      const c = openChannel(VARIANTS[2]!.variant);
      let version = 0;
      for (let i = 0; i < 5; i++) {
        pay(c, 1000n);
        version = await s.a.saveVersioned('receiver', c.receiver.toJSON(), version);
      }
      const loaded = (await s.b.loadVersioned('receiver'))!;
      expect(loaded.version).to.equal(5);
      const r = Receiver.restore(loaded.state, receiverSecrets);
      expect(r.amount).to.equal(5000n);
      expect(JSON.stringify(r.toJSON())).to.equal(JSON.stringify(c.receiver.toJSON()));
    });
  });
}
