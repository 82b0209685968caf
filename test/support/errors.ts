import { expect } from 'chai';
import { ChannelError, ErrorCode } from '../../lib';

/** The code `run` fails with; anything else is described, so a table comparison shows it. */
export function codeOf(run: () => unknown): ErrorCode | string {
  try {
    run();
  } catch (e) {
    return e instanceof ChannelError ? e.code : `not a ChannelError: ${String(e)}`;
  }
  return 'no error';
}

/** The code of the ChannelError `fn` throws; fails the test if it throws anything else, or nothing. */
export function thrownCode(fn: () => unknown): ErrorCode {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(ChannelError);
    return (e as ChannelError).code;
  }
  throw new Error('expected a ChannelError');
}

/** The rejection a promise ends with, checked to be a ChannelError. */
export async function rejectionOf(p: Promise<unknown>): Promise<ChannelError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(ChannelError);
    return e as ChannelError;
  }
  throw new Error('expected a ChannelError rejection');
}

/** The code of the ChannelError a promise rejects with. */
export async function rejectedCode(p: Promise<unknown>): Promise<ErrorCode> {
  return (await rejectionOf(p)).code;
}
