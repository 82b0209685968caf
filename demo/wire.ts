/** The JSON wire between the two parties: every message is encoded, stringified, parsed and strictly decoded. */
import { Message, decodeMessage, encodeMessage } from '../lib';

export class Wire {
  messages = 0;
  bytes = 0;

  send<T extends Message>(m: T): T {
    const text = JSON.stringify(encodeMessage(m));
    this.messages++;
    this.bytes += Buffer.byteLength(text);
    const decoded = decodeMessage(JSON.parse(text));
    if (decoded.type !== m.type) throw new Error(`wire turned ${m.type} into ${decoded.type}`);
    return decoded as T;
  }
}
