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
