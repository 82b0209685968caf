/** fast-check generators of protocol scenarios: a channel and a short list of actions, weighted towards progress. */
import fc from 'fast-check';
import { MIN_FEE_RATE } from '../../lib';
import { Direction } from './lossy-network';
import { Action, ChannelSetup, Increment, Party, Scenario, VariantName } from './protocol-model';

const dir: fc.Arbitrary<Direction> = fc.constantFrom<Direction>('toReceiver', 'toSender');
const party: fc.Arbitrary<Party> = fc.constantFrom<Party>('sender', 'receiver');
const pick = fc.nat({ max: 7 });
/** Close fee rates from below the relay floor up to where a small channel's sender side cannot pay the fee, and past the sender's bound for the receiver's proposals. */
const closeFeeRateArb = fc.bigInt({ min: 0n, max: 12_000n });

export const setupArb: fc.Arbitrary<ChannelSetup> = fc.record({
  variant: fc.constantFrom<VariantName>('CLTV height', 'CLTV time', 'CSV'),
  capacity: fc.oneof(fc.constantFrom(10_000n, 100_000n, 1_000_000n), fc.bigInt({ min: 6_000n, max: 2_000_000n })),
  // Channels open at the relay floor or above (below it is refused at open: the bad-input corpus has those).
  feeRate: fc.oneof(fc.constantFrom(MIN_FEE_RATE, 1000n), fc.bigInt({ min: MIN_FEE_RATE, max: 5000n })),
});

/** Mostly small and dust-sized payments; sometimes one that brings the sender's side to the dust limits or past the fee. */
export const incrementArb: fc.Arbitrary<Increment> = fc.oneof(
  { weight: 4, arbitrary: fc.bigInt({ min: 1n, max: 400n }).map((sats) => ({ sats })) },
  { weight: 4, arbitrary: fc.bigInt({ min: 400n, max: 30_000n }).map((sats) => ({ sats })) },
  { weight: 1, arbitrary: fc.bigInt({ min: -3n, max: 700n }).map((below) => ({ below })) },
  { weight: 1, arbitrary: fc.bigInt({ min: -1n, max: 2_000_000n }).map((sats) => ({ sats })) },
);

export const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 14, arbitrary: incrementArb.map((increment): Action => ({ kind: 'pay', increment })) },
  { weight: 16, arbitrary: fc.record({ kind: fc.constant('deliver' as const), dir: fc.constant<Direction>('toReceiver'), pick: fc.constant(0) }) },
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('deliver' as const), dir: fc.constant<Direction>('toSender'), pick: fc.constant(0) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('deliver' as const), dir, pick: fc.integer({ min: 1, max: 7 }) }) },
  { weight: 6, arbitrary: fc.constant<Action>({ kind: 'deliverAll' }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('holdBack' as const), dir, pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), dir, pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), dir, pick }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('flipBit' as const), dir, pick, position: fc.nat({ max: 2000 }), bit: fc.nat({ max: 7 }), keep: fc.boolean() }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('mutateField' as const), dir, pick, field: fc.nat({ max: 7 }), how: fc.nat({ max: 31 }), salt: fc.nat({ max: 1000 }), keep: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replay' as const), dir, back: fc.nat({ max: 9 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('restart' as const), who: party }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crashBeforeSave' as const), who: party }) },
  { weight: 2, arbitrary: fc.constant<Action>({ kind: 'resendOffer' }) },
  { weight: 2, arbitrary: fc.constant<Action>({ kind: 'resendRevoke' }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), who: party, feeRate: closeFeeRateArb }) },
  { weight: 1, arbitrary: fc.constant<Action>({ kind: 'expire' }) },
);

/** A few payments delivered in order first, so that the random part starts from states with revoked predecessors. */
const warmupArb: fc.Arbitrary<Action[]> = fc.array(fc.bigInt({ min: 1n, max: 3_000n }), { maxLength: 5 })
  .map((incs) => incs.flatMap((sats): Action[] => [{ kind: 'pay', increment: { sats } }, { kind: 'deliverAll' }]));

export function scenarioArb(maxActions = 30): fc.Arbitrary<Scenario> {
  return fc.record({
    setup: setupArb,
    warmup: warmupArb,
    actions: fc.array(actionArb, { minLength: 5, maxLength: maxActions, size: 'max' }),
    finalClose: fc.option(fc.record({ who: party, feeRate: closeFeeRateArb }), { nil: undefined }),
  }).map(({ setup, warmup, actions, finalClose }): Scenario => ({ setup, actions: [...warmup, ...actions], ...(finalClose ? { finalClose } : {}) }));
}
