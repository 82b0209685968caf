// The README's API tour (test/readme-tour.ts), run against the embedded regtest node so the example keeps working.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { RegtestNode } from './kit/regtest-node';
import { TourInputs, runReadmeTour } from './readme-tour';
import { checkTourOutcome, readmeTourBlocks, tourAsShown, tourInputs } from './support/readme-tour';

describe('README example', function () {
  this.timeout(120_000);
  let node: RegtestNode;

  before(async () => {
    node = await RegtestNode.start();
  });

  after(async () => {
    await node?.stop();
  });

  it('opens and funds a channel on a regtest node, pays three times, restarts the sender, closes, and both watchers see the close resolved', async () => {
    const inputs = await tourInputs(node);
    const r = await runReadmeTour(inputs);
    await checkTourOutcome(node, inputs, r);
  });

  it('with no block mined the receiver never takes the funding: the tour keeps waiting and pays nothing', async () => {
    const inputs = await tourInputs(node);
    // A node that never mines: the funding stays in the mempool and confirmFunding keeps refusing it.
    let waited = 0;
    const stuck: TourInputs = { ...inputs, waitForBlocks: async () => { if (++waited > 4) throw new Error('no blocks'); } };
    let thrown: unknown;
    await runReadmeTour(stuck).catch((e: unknown) => { thrown = e; });
    expect((thrown as Error | undefined)?.message).to.equal('no blocks');
    expect(waited).to.equal(5);
  });

  it('the README shows test/readme-tour.ts whole, from its import on', () => {
    const blocks = readmeTourBlocks();
    expect(blocks.length, 'the API tour code blocks').to.equal(2);
    const shown = blocks[0]!.split('\n');
    const tour = tourAsShown().split('\n');
    for (let i = 0; i < Math.max(shown.length, tour.length); i++) {
      expect(shown[i], `README API tour line ${i + 1}`).to.equal(tour[i]);
    }
  });

  it("the README's call of the tour is the tests' own, line by line", () => {
    const code = (line: string) => line.replace(/\/\/.*$/, '').replace(/\s+/g, ' ').trim();
    const ours = [join(__dirname, '..', '..', 'test', 'support', 'readme-tour.ts'), join(__dirname, '..', '..', 'test', 'readme-example.spec.ts')]
      .map((f) => readFileSync(f, 'utf8').split('\n').map(code).join('\n')).join('\n');
    const lines = readmeTourBlocks()[1]!.split('\n').map(code).filter((l) => l !== '');
    expect(lines.length).to.be.above(8);
    for (const line of lines) expect(ours.includes(line), `README line not in the tests: ${line}`).to.equal(true);
  });
});
