/**
 * The buyer's link to the seller, as the buyer's code sees it: send a text,
 * wait for the next one. The browser's WebSocket and Node's `ws` have the same
 * event interface, so one adapter serves both; the caller makes the socket
 * (and so picks the implementation), which keeps this file free of either.
 */
import { fail } from '../../lib';

/** An ordered, message-framed text link. */
export interface Transport {
  /**
   * Sends one message.
   * @param text - The message's JSON text.
   */
  send(text: string): void;
  /** The next message received, in order; rejects once the link is closed and nothing is left. */
  receive(): Promise<string>;
  /** Closes the link. */
  close(): void;
}

/** What the adapter uses of a WebSocket: the browser's and `ws`'s both have it. */
export interface WebSocketLike {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /**
   * Sends a text frame.
   * @param data - The text.
   */
  send(data: string): void;
  /** Closes the socket. */
  close(): void;
  /**
   * Listens for one kind of event.
   * @param type - The event.
   * @param listener - Called with the event; a message event's `data` is the text.
   */
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: unknown) => void): void;
}

const OPEN = 1;

/**
 * A {@link Transport} over a WebSocket, once it is open.
 *
 * @param socket - A new or open WebSocket (the browser's, or `new WebSocket(url)` from `ws`).
 * @param timeoutMs - How long {@link Transport.receive} waits for a message before it rejects.
 * @returns The transport, when the socket is open.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` (the promise rejects) if `socket` is not WebSocket-shaped or `timeoutMs` not a positive integer.
 * @throws {@link ChannelError} `NOT_FOUND` (the promise rejects) if the socket closes before it opens. `receive` rejects
 *   with `NOT_FOUND` too, once the socket is closed and read out, or after `timeoutMs` without a message.
 */
export async function socketTransport(socket: WebSocketLike, timeoutMs = 30_000): Promise<Transport> {
  if (socket === null || typeof socket !== 'object' || typeof socket.send !== 'function' || typeof socket.addEventListener !== 'function') {
    fail('INVALID_ARGUMENT', 'socket must be a WebSocket');
  }
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) fail('INVALID_ARGUMENT', 'timeoutMs must be a positive integer');
  const inbox: string[] = [];
  const waiting: { resolve: (t: string) => void; reject: (e: unknown) => void }[] = [];
  let closed = false;
  const gone = () => fail('NOT_FOUND', 'the connection is closed');
  socket.addEventListener('message', (ev) => {
    const data = (ev as { data?: unknown }).data;
    // Binary frames are not part of this protocol; a text is handed on as it came.
    if (typeof data !== 'string') return;
    const w = waiting.shift();
    if (w) w.resolve(data);
    else inbox.push(data);
  });
  socket.addEventListener('close', () => {
    closed = true;
    for (const w of waiting.splice(0)) {
      try { gone(); } catch (e) { w.reject(e); }
    }
  });
  if (socket.readyState !== OPEN) {
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve());
      socket.addEventListener('close', () => { try { gone(); } catch (e) { reject(e); } });
    });
  }
  return {
    send: (text) => {
      if (closed || socket.readyState !== OPEN) gone();
      socket.send(text);
    },
    receive: () => {
      const next = inbox.shift();
      if (next !== undefined) return Promise.resolve(next);
      if (closed) return Promise.reject(errorOf(gone));
      return new Promise<string>((resolve, reject) => {
        const w = {
          resolve: (t: string) => { clearTimeout(timer); resolve(t); },
          reject: (e: unknown) => { clearTimeout(timer); reject(e); },
        };
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(w), 1);
          reject(errorOf(() => fail('NOT_FOUND', `no message within ${timeoutMs} ms`)));
        }, timeoutMs);
        waiting.push(w);
      });
    },
    close: () => socket.close(),
  };
}

function errorOf(f: () => never): unknown {
  try {
    return f();
  } catch (e) {
    return e;
  }
}
