/**
 * The revocable construction's checked context kind (lib/tx/context.ts):
 * only verifyChannelParams registers a ChannelContext. Internal, not part of
 * the construction's API.
 */
import { contextKind } from '../../tx/context';
import type { ChannelContext } from './params';

const CHANNEL_CONTEXT = contextKind<ChannelContext>('channel context', 'verifyChannelParams');

export const registerContext = CHANNEL_CONTEXT.register;
export const isContext = CHANNEL_CONTEXT.is;
export const expectContext = CHANNEL_CONTEXT.expect;
