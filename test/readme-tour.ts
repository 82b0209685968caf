/**
 * The README's API tour, as a script. test/readme-example.spec.ts runs it on
 * lib/ (and checks that the README shows its lines); test/package.spec.ts
 * compiles it strictly and runs it on the installed package, reading its one
 * import from '../lib' as one from 'revchan'. So it uses nothing but the
 * package: no Node modules or types, no test library.
 */
import {
  Receiver, Sender, asPrivateKey, decodeMessage, derivePublicKey, encodeMessage, p2wpkhScript, sha256,
} from '../lib';

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const key = (label: string) => asPrivateKey(sha256(ascii(label)));

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`README tour: ${what}`);
}

export interface TourResult {
  /** The receiver's final amount after each payment. */
  readonly paid: readonly bigint[];
  readonly fundingValue: bigint;
  readonly closeTxid: string;
  /** What the cooperative close pays the receiver. */
  readonly closeToReceiver: bigint;
}

/** Opens a channel, pays three times and closes; throws if any step does not give what the README says. */
export function runReadmeTour(): TourResult {
  // Each side keeps its private keys; saved state never contains them.
  const senderSecrets = { fundingKey: key('s-fund'), payoutKey: key('s-pay'), updateSeed: sha256(ascii('seed')) };
  const receiverSecrets = { fundingKey: key('r-fund'), payoutKey: key('r-pay'), revocationKey: key('r-rev') };
  const wire = (m: any) => decodeMessage(JSON.parse(JSON.stringify(encodeMessage(m)))) as any; // your transport

  const { sender, message: open } = Sender.open({
    capacity: 1_000_000n, variant: { kind: 'csv', delay: { blocks: 144 } }, feeRate: 1000n, secrets: senderSecrets,
  });
  const { receiver, message: accept } = Receiver.accept(wire(open), receiverSecrets);
  sender.onAcceptChannel(wire(accept));

  const wallet = p2wpkhScript(derivePublicKey(key('wallet')));
  const coin = { txid: 'aa'.repeat(32), vout: 0, value: 1_100_000n, script: wallet }; // a segwit coin of the sender's wallet
  const { plan, message: created } = sender.createFunding({ inputs: [coin], changeScript: wallet, feeRate: 1000n });
  sender.onFundingSigned(wire(receiver.onFundingCreated(wire(created))));
  // Now your wallet signs the funding PSBT (createFunding also returns it) and you broadcast it. The receiver
  // checks the funding with its own node (confirmFunding(receiver, backend) does this), 3 blocks deep by default:
  const fundingTx = plan.tx.toBuffer(); // here the unsigned one: same txid, and the receiver reads only its outputs
  receiver.markFundingConfirmed({ tx: fundingTx, confirmations: 3 });

  const amounts: bigint[] = [];
  for (let i = 0; i < 3; i++) {
    const offer = sender.pay(1_000n);               // sender -> receiver
    const acc = receiver.onOffer(wire(offer));      // receiver -> sender
    const revoke = sender.onAccept(wire(acc));      // save the sender's state, then send
    const paid = receiver.onRevoke(wire(revoke));   // final for the receiver only now
    check(paid.amount === BigInt(1_000 * (i + 1)), `payment ${i + 1} leaves the receiver ${paid.amount} sat`);
    amounts.push(paid.amount);
  }

  const { message: closeSigned, tx } = receiver.onCloseOffer(wire(sender.proposeClose(2_000n)));
  const senderClose = sender.onCloseSigned(wire(closeSigned)); // both hold the same signed close
  check(senderClose.getId() === tx.getId(), 'the two parties hold different closes');
  check(tx.outs[0]!.value === 3_000n, 'the close does not pay the receiver its 3000 sat');
  check(plan.tx.outs[0]!.value === 1_000_000n, 'the funding output is not the capacity');
  return { paid: amounts, fundingValue: plan.tx.outs[0]!.value, closeTxid: tx.getId(), closeToReceiver: tx.outs[0]!.value };
}
