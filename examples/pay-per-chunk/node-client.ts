/**
 * The buyer in Node: the shared buyer (buyer.ts) over a `ws` WebSocket.
 */
import WebSocket from 'ws';
import { fail } from '../../lib';
import { BuyerOptions, ChunkBuyer } from './buyer';
import { socketTransport } from './transport';

/**
 * Connects to a seller and reads its terms.
 *
 * @param url - The seller's WebSocket address (`ws://host:port/`).
 * @param o - Everything else a buyer needs (buyer.ts, {@link BuyerOptions}).
 * @returns The buyer, ready for `buyFile()`.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` (the promise rejects, as for every code here) if `url` is not a ws: or wss: address.
 * @throws {@link ChannelError} `NOT_FOUND` if the connection fails or closes.
 * @throws {@link ChannelError} any code of {@link ChunkBuyer.connect} for terms the buyer refuses.
 */
export async function connectBuyer(url: string, o: Omit<BuyerOptions, 'transport'>): Promise<ChunkBuyer> {
  if (typeof url !== 'string' || !/^wss?:\/\//.test(url)) fail('INVALID_ARGUMENT', 'url must be a ws:// or wss:// address');
  const socket = new WebSocket(url);
  // An 'error' event is always followed by 'close', which the transport reports; this only keeps it from being thrown.
  socket.on('error', () => undefined);
  const transport = await socketTransport(socket);
  try {
    return await ChunkBuyer.connect({ ...o, transport });
  } catch (e) {
    transport.close();
    throw e;
  }
}
