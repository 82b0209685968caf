/**
 * The watchers' event emitter (portable: no node:events) keeps the listener
 * rules of Node's EventEmitter that callers rely on, and isolates listeners:
 * one that throws is counted and the others still run.
 */
import { expect } from 'chai';
import { ChannelError } from '../lib';
import { IsolatedEmitter } from '../lib/chain/isolated-emitter';

describe('IsolatedEmitter', () => {
  it('calls listeners in the order added, with the emitter as this, and says whether there were any', () => {
    const e = new IsolatedEmitter<{ kind: string }>();
    const calls: string[] = [];
    expect(e.emit('spend', 1)).to.equal(false);
    e.on('spend', function (this: unknown, n: number) { calls.push(`a${n}${this === e ? ' this' : ''}`); });
    e.addListener('spend', (n: number) => calls.push(`b${n}`));
    e.onEvent((ev) => calls.push(`event ${ev.kind}`));
    expect(e.emit('spend', 1)).to.equal(true);
    expect(e.emit('event', { kind: 'block' })).to.equal(true);
    expect(calls).to.deep.equal(['a1 this', 'b1', 'event block']);
    expect(e.listenerCount('spend')).to.equal(2);
    expect(e.listeners('spend')).to.have.length(2);
  });

  it('once: removed before it runs; off/removeListener remove the latest registration of a function', () => {
    const e = new IsolatedEmitter<unknown>();
    const calls: string[] = [];
    const f = (x: string) => calls.push(`f${x}`);
    e.once('x', f);
    e.on('x', f);
    expect(e.listeners('x')).to.deep.equal([f, f]);
    e.emit('x', '1');
    e.emit('x', '2');
    expect(calls).to.deep.equal(['f1', 'f1', 'f2']);
    e.on('x', f);
    e.off('x', f);
    expect(e.listenerCount('x')).to.equal(1);
    e.removeListener('x', f);
    expect(e.listenerCount('x')).to.equal(0);
    expect(e.emit('x', '3')).to.equal(false);
    e.off('nothing', f);
    e.on('y', f).on('z', f);
    e.removeAllListeners('y');
    expect([e.listenerCount('y'), e.listenerCount('z')]).to.deep.equal([0, 1]);
    e.removeAllListeners();
    expect(e.listenerCount('z')).to.equal(0);
  });

  it('listeners added or removed during an emit do not change that emit', () => {
    const e = new IsolatedEmitter<unknown>();
    const calls: string[] = [];
    const b = () => calls.push('b');
    e.on('x', () => {
      calls.push('a');
      e.off('x', b);
      e.on('x', () => calls.push('c'));
    });
    e.on('x', b);
    e.emit('x');
    expect(calls).to.deep.equal(['a', 'b']);
    calls.length = 0;
    e.emit('x');
    expect(calls).to.deep.equal(['a', 'c']);
  });

  it('a listener that throws is counted, the others still run, and emit does not throw', () => {
    const e = new IsolatedEmitter<unknown>();
    const calls: string[] = [];
    const bug = new Error('a caller\'s bug');
    e.on('event', () => { throw bug; });
    e.on('event', () => calls.push('second'));
    expect(e.listenerFailures).to.deep.equal({ count: 0 });
    expect(e.emit('event', {})).to.equal(true);
    expect(e.emit('error', {})).to.equal(false); // 'error' is not special
    e.emit('event', {});
    expect(calls).to.deep.equal(['second', 'second']);
    expect(e.listenerFailures).to.deep.equal({ count: 2, last: bug });
  });

  it('refuses a listener that is not a function with a ChannelError', () => {
    const e = new IsolatedEmitter<unknown>();
    expect(() => e.on('x', 42 as unknown as () => void)).to.throw(ChannelError);
    expect(() => e.onEvent(null as unknown as () => void)).to.throw(ChannelError);
  });
});
