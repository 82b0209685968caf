// The README's API tour, run as a test so the example keeps working.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import {
  Receiver, Sender, asPrivateKey, decodeMessage, encodeMessage, p2wpkhScript, derivePublicKey,
} from '../lib';

const key = (label: string) => asPrivateKey(createHash('sha256').update(label).digest());

describe('README example', () => {
  it('opens a channel, pays three times and closes', () => {
    // Each side keeps its private keys; saved state never contains them.
    const senderSecrets = { fundingKey: key('s-fund'), payoutKey: key('s-pay'), updateSeed: createHash('sha256').update('seed').digest() };
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

    for (let i = 0; i < 3; i++) {
      const offer = sender.pay(1_000n);                  // sender -> receiver
      const acc = receiver.onOffer(wire(offer));         // receiver -> sender
      const revoke = sender.onAccept(wire(acc));         // save the sender's state, then send
      const paid = receiver.onRevoke(wire(revoke));      // final for the receiver only now
      expect(paid.amount).to.equal(BigInt(1_000 * (i + 1)));
    }

    const { message: closeSigned, tx } = receiver.onCloseOffer(wire(sender.proposeClose(2_000n)));
    expect(sender.onCloseSigned(wire(closeSigned)).getId()).to.equal(tx.getId());
    expect(tx.outs[0]!.value).to.equal(3_000n);
    expect(plan.tx.outs[0]!.value).to.equal(1_000_000n);
  });
});
