/**
 * The README's API tour, as a script: the README's code block is this file
 * after this comment, with '../lib' read as 'revchan' (test/readme-example.spec.ts
 * checks that, and runs it on lib/ against the embedded regtest node).
 * test/package.spec.ts compiles it strictly against the installed package and
 * runs it there. So it uses nothing but the package: no Node modules or
 * types, no test library.
 */
import {
  BIP32Interface, ChainBackend, ChannelStore, FundingInput, MemoryChannelStore, Message, MessageType, PrivateKey,
  Receiver, ReceiverWatcher, Sender, SenderWatcher, SenderWatcherEvent, WatcherEvent, asPrivateKey, confirmFunding,
  decodeMessageOf, deriveChannelSeed, derivePublicKey, encodeMessage, extractTransaction, finalizePsbt, isChannelError,
  p2wpkhScript, signPsbtWithKey,
} from '../lib';

/** What your app provides. The tour plays both parties; in real life each is a separate app with its own wallet. */
export interface TourInputs {
  /** Your own node: CoreRpcBackend from 'revchan/node', or any ChainBackend of yours. */
  readonly backend: ChainBackend;
  /** Each party's BIP32 master node (from its seed: bip32's BIP32Factory(ecc).fromSeed(seed)). */
  readonly senderMaster: BIP32Interface;
  readonly receiverMaster: BIP32Interface;
  /** A confirmed segwit coin of the sender's wallet, worth more than the capacity, and the key that spends it. */
  readonly coin: FundingInput;
  readonly coinKey: PrivateKey;
  /** Resolves once the chain has grown by n blocks (poll backend.getTip(), or your node's block notifications). */
  readonly waitForBlocks: (n: number) => Promise<void>;
}

export async function runReadmeTour(app: TourInputs) {
  const { backend, waitForBlocks } = app;
  const keyAt = (master: BIP32Interface, path: string) => asPrivateKey(master.derivePath(path).privateKey!);
  const scriptAt = (master: BIP32Interface, path: string) => p2wpkhScript(derivePublicKey(keyAt(master, path)));

  // Channel 0's keys, at the paths of "PSBT fixtures and hardware wallets" below. Saved state never holds them.
  const senderSecrets = {
    fundingKey: keyAt(app.senderMaster, "m/1017'/1'/0'/0/0"),
    payoutKey: keyAt(app.senderMaster, "m/1017'/1'/0'/1/0"),
    updateSeed: deriveChannelSeed(app.senderMaster, 0), // hardened only: its secrets are given away one per payment
  };
  const receiverSecrets = {
    fundingKey: keyAt(app.receiverMaster, "m/1017'/1'/1'/0/0"),
    payoutKey: keyAt(app.receiverMaster, "m/1017'/1'/1'/1/0"),
    revocationKey: keyAt(app.receiverMaster, "m/1017'/1'/1'/2/0"),
  };

  // Your transport: JSON text over an authenticated, encrypted link. The side that receives names the
  // message it expects; decodeMessageOf checks it strictly and gives it that type, or throws a ChannelError.
  const wire = <T extends MessageType>(m: Message, expected: T) =>
    decodeMessageOf(JSON.parse(JSON.stringify(encodeMessage(m))), expected);

  // Each party saves its state after every call that changes it, and only then sends what the call returned.
  const store: ChannelStore = new MemoryChannelStore(); // in Node, FileChannelStore from 'revchan/node'

  // 1. Open. The receiver's watcher will read the chain from here, below the funding's block.
  const opened = (await backend.getTip()).height;
  const { sender, message: open } = Sender.open({
    capacity: 1_000_000n, variant: { kind: 'csv', delay: { blocks: 144 } }, feeRate: 1000n, secrets: senderSecrets,
  });
  await store.save('sender', sender.toJSON());
  const { receiver, message: accept } = Receiver.accept(wire(open, 'open_channel'), receiverSecrets);
  await store.save('receiver', receiver.toJSON());
  sender.onAcceptChannel(wire(accept, 'accept_channel'));
  await store.save('sender', sender.toJSON());

  // 2. Fund. The wallet's coin pays the capacity to the 2-of-2, change back to the wallet.
  const change = scriptAt(app.senderMaster, "m/84'/1'/0'/1/0");
  const { psbt, message: created } = sender.createFunding({ inputs: [app.coin], changeScript: change, feeRate: 1000n });
  await store.save('sender', sender.toJSON());
  const fundingSigned = receiver.onFundingCreated(wire(created, 'funding_created'));
  await store.save('receiver', receiver.toJSON());
  sender.onFundingSigned(wire(fundingSigned, 'funding_signed')); // the receiver's signature on the sender's refund
  await store.save('sender', sender.toJSON());
  // Only with its refund signed does the sender's wallet sign the funding PSBT and broadcast it.
  signPsbtWithKey(psbt, app.coinKey);
  const fundingTx = extractTransaction(finalizePsbt(psbt));
  await backend.broadcast(fundingTx.toBuffer());

  // 3. The receiver takes payments only on a funding it read from its own node, 3 blocks deep by default.
  for (;;) {
    await waitForBlocks(1);
    try {
      await confirmFunding(receiver, backend);
      break;
    } catch (e) {
      if (!isChannelError(e, 'FUNDING_NOT_CONFIRMED')) throw e;
    }
  }
  await store.save('receiver', receiver.toJSON());

  // 4. The receiver's watcher: it would claim the whole channel if the sender broadcast a revoked state.
  const watcher = new ReceiverWatcher({
    backend, feeRate: 1000n, fromHeight: opened, destinationScript: scriptAt(app.receiverMaster, "m/84'/1'/1'/0/0"),
  });
  const receiverEvents: WatcherEvent[] = [];
  watcher.onEvent((e) => receiverEvents.push(e));
  watcher.watch(receiver);
  await watcher.poll();

  // 5. Pay, three times: offer -> accept -> revoke.
  const paid: bigint[] = [];
  for (let i = 0; i < 3; i++) {
    const offer = sender.pay(1_000n);
    await store.save('sender', sender.toJSON());
    const acc = receiver.onOffer(wire(offer, 'offer')); // CLTV channels pass the chain tip too
    await store.save('receiver', receiver.toJSON());
    const revoke = sender.onAccept(wire(acc, 'accept'));
    await store.save('sender', sender.toJSON()); // save, then send: the revoke gives the old state away
    const payment = receiver.onRevoke(wire(revoke, 'revoke')); // final for the receiver only now
    await store.save('receiver', receiver.toJSON());
    paid.push(payment.amount);
  }

  // 6. The sender's app restarts: its state comes back from the store, its secrets from its wallet.
  const saved = await store.load('sender');
  const restarted = Sender.restore(saved, senderSecrets);
  const restored = restarted.toJSON(); // the same state again (the tests compare the two)

  // 7. Close cooperatively: the sender proposes (it pays the fee), the receiver signs, either broadcasts.
  const closeOffer = restarted.proposeClose(2_000n);
  await store.save('sender', restarted.toJSON());
  const { message: closeSigned } = receiver.onCloseOffer(wire(closeOffer, 'close_offer'));
  await store.save('receiver', receiver.toJSON());
  const closeTx = restarted.onCloseSigned(wire(closeSigned, 'close_signed'));
  await store.save('sender', restarted.toJSON());
  const closeTxid = await backend.broadcast(closeTx.toBuffer());

  // 8. Both watchers follow the close until it is 6 blocks deep. The sender's sweeps its output when its own
  // version is what closed. An app polls them on a timer, setInterval(() => void watcher.poll(), 60_000) say;
  // here once a block, until both are resolved.
  const senderWatcher = new SenderWatcher(restarted, { backend, feeRate: 1000n, destinationScript: change });
  const senderEvents: SenderWatcherEvent[] = [];
  senderWatcher.onEvent((e) => senderEvents.push(e));
  const resolved = (events: readonly { kind: string }[]) => events.some((e) => e.kind === 'resolved');
  for (let polls = 0; polls < 20 && !(resolved(receiverEvents) && resolved(senderEvents)); polls++) {
    await waitForBlocks(1);
    await watcher.poll();
    await senderWatcher.poll();
  }

  // What happened, for your logs (and for the tests, which check it on chain).
  return { paid, fundingTxid: fundingTx.getId(), closeTxid, saved, restored, store, receiverEvents, senderEvents };
}
