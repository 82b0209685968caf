/**
 * A transition's effects, in the order the caller must perform them. A party
 * changes in memory when a message is accepted; what it sends in answer may
 * only leave once that change is durable, or a crash between the two can
 * leave the counterparty holding a signature or a secret the restarted party
 * has forgotten (a sender that revealed k_i and restarts from before it could
 * broadcast a revoked state and lose the channel).
 */

/** What one transition asks of the caller: persist `save`, then send `send`. */
export interface Step<S, M> {
  /** The party's state after the transition, as its `toJSON()` gives it. */
  readonly save: S;
  /** The answer to send once `save` is durable; absent when the transition sends nothing. */
  readonly send?: M;
}

/** Where a {@link performStep} writes and sends. */
export interface StepIo<S, M> {
  /**
   * Makes the state durable; the step's answer waits for it.
   * @param state - The party's state after the transition.
   */
  save(state: S): Promise<void> | void;
  /**
   * Hands the answer to the transport.
   * @param message - The answer, sent only after `save` resolved.
   */
  send(message: M): Promise<void> | void;
}

/**
 * Performs a step's effects in order: `save`, then `send`. If the save fails
 * nothing is sent and the error is passed on; the party in memory is then
 * ahead of its stored state, so drop it and restore from the store before
 * handling anything else for the channel.
 *
 * @param step - A transition's {@link Step}.
 * @param io - The store write and the transport.
 * @returns Once the answer, if any, is handed to the transport; rejects
 *   with whatever `io.save` or `io.send` threw, and nothing is sent after a
 *   failed save.
 * @example
 * ```ts
 * const step = handleReceiverMessage(receiver, decodeMessage(json), { chain });
 * await performStep(step, { save: (s) => store.save(id, s), send: (m) => socket.send(JSON.stringify(encodeMessage(m))) });
 * ```
 */
export async function performStep<S, M>(step: Step<S, M>, io: StepIo<S, M>): Promise<void> {
  await io.save(step.save);
  if (step.send !== undefined) await io.send(step.send);
}
