/**
 * The page script of test/browser.spec.ts (and of the no-Node run in
 * test/portable.spec.ts): bundled with esbuild for the browser, it opens a
 * channel between a Sender and a Receiver, pays through the JSON wire and
 * closes cooperatively, using nothing but the package entry. It checks what
 * it can itself and hands back the close transaction, which the spec checks
 * again in Node.
 */
import {
  DEFAULT_FUNDING_DEPTH, Message, Receiver, Sender, asPrivateKey, decodeMessage, derivePublicKey, encodeMessage, p2wpkhScript, sha256, toHex,
} from '../../lib';

export interface PageRun {
  readonly payments: number;
  readonly increment: string;
  readonly capacity: string;
  readonly closeFeeRate: string;
  /** Seconds for the payments alone (offer -> accept -> revoke, each through JSON text). */
  readonly seconds: number;
  readonly paymentsPerSecond: number;
  readonly wireMessages: number;
  readonly wireBytes: number;
  readonly receiverAmount: string;
  readonly senderAmount: string;
  readonly fundingScript: string;
  readonly closeTxid: string;
  readonly closeHex: string;
  readonly userAgent: string;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
/** The test keys: sha256 of a label (test/browser.spec.ts derives the same in Node). */
export const pageKey = (label: string) => asPrivateKey(sha256(utf8(`revchan browser test ${label}`)));

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`page check failed: ${what}`);
}

export function runChannel(payments: number, increment = 100n, capacity = 1_000_000n, closeFeeRate = 2_000n): PageRun {
  let wireMessages = 0;
  let wireBytes = 0;
  // Every message as JSON text, as it would cross a socket.
  const wire = <T extends Message>(m: T): T => {
    const text = JSON.stringify(encodeMessage(m));
    wireMessages++;
    wireBytes += text.length;
    return decodeMessage(JSON.parse(text)) as T;
  };

  const senderSecrets = { fundingKey: pageKey('sender funding'), payoutKey: pageKey('sender payout'), updateSeed: sha256(utf8('revchan browser test seed')) };
  const receiverSecrets = { fundingKey: pageKey('receiver funding'), payoutKey: pageKey('receiver payout'), revocationKey: pageKey('receiver revocation') };
  const { sender, message: open } = Sender.open({ capacity, variant: { kind: 'csv', delay: { blocks: 144 } }, feeRate: 1000n, secrets: senderSecrets });
  const { receiver, message: accept } = Receiver.accept(wire(open), receiverSecrets);
  sender.onAcceptChannel(wire(accept));
  const wallet = p2wpkhScript(derivePublicKey(pageKey('wallet')));
  const coin = { txid: 'ab'.repeat(32), vout: 0, value: capacity + 100_000n, script: wallet };
  const { plan, message: created } = sender.createFunding({ inputs: [coin], changeScript: wallet, feeRate: 1000n });
  sender.onFundingSigned(wire(receiver.onFundingCreated(wire(created))));
  // The unsigned funding transaction has the signed one's txid (its input is segwit); the receiver reads its outputs.
  receiver.markFundingConfirmed({ tx: plan.tx.toBuffer(), confirmations: DEFAULT_FUNDING_DEPTH });

  const start = performance.now();
  for (let i = 1; i <= payments; i++) {
    const offer = sender.pay(increment);
    const acc = receiver.onOffer(wire(offer));
    const revoke = sender.onAccept(wire(acc));
    const paid = receiver.onRevoke(wire(revoke));
    check(paid.amount === increment * BigInt(i), `receiver's amount after payment ${i}`);
  }
  const seconds = (performance.now() - start) / 1000;
  check(sender.amount === increment * BigInt(payments) && receiver.amount === sender.amount, 'both parties agree on the amount');

  const { message: closeSigned, tx } = receiver.onCloseOffer(wire(sender.proposeClose(closeFeeRate)));
  const senderTx = sender.onCloseSigned(wire(closeSigned));
  check(senderTx.getId() === tx.getId(), 'both hold the same close');
  check(tx.ins.length === 1 && tx.ins[0]!.witness.length > 0, 'the close is signed');

  return {
    payments, increment: increment.toString(), capacity: capacity.toString(), closeFeeRate: closeFeeRate.toString(),
    seconds, paymentsPerSecond: payments / seconds, wireMessages, wireBytes,
    receiverAmount: receiver.amount.toString(), senderAmount: sender.amount.toString(),
    fundingScript: toHex(plan.tx.outs[0]!.script), closeTxid: tx.getId(), closeHex: toHex(tx.toBuffer()),
    userAgent: (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ?? 'none',
  };
}

(globalThis as { revchanPage?: unknown }).revchanPage = { runChannel };
