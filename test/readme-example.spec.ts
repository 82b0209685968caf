// The README's API tour (test/readme-tour.ts), run as a test so the example keeps working.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runReadmeTour } from './readme-tour';

const ROOT = join(__dirname, '..', '..');

/** A code line without its comment and with its spaces collapsed. */
const code = (line: string) => line.replace(/\/\/.*$/, '').replace(/\s+/g, ' ').trim();

describe('README example', () => {
  it('opens a channel, pays three times and closes', () => {
    const r = runReadmeTour();
    expect(r.paid).to.deep.equal([1_000n, 2_000n, 3_000n]);
    expect(r.fundingValue).to.equal(1_000_000n);
    expect(r.closeToReceiver).to.equal(3_000n);
  });

  it('the README shows lines of test/readme-tour.ts, and imports what the tour imports', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /## API tour\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'the API tour code block').to.be.a('string');
    const tour = readFileSync(join(ROOT, 'test', 'readme-tour.ts'), 'utf8');
    const tourCode = tour.split('\n').map(code).join('\n');
    const tourImports = /import \{([^}]*)\} from '\.\.\/lib';/.exec(tour)![1]!.split(',').map((s) => s.trim());
    let shown = 0;
    for (const line of block!.split('\n').map(code).filter((l) => l !== '')) {
      const imported = /^import \{([^}]*)\} from 'revchan';$/.exec(line);
      if (imported) {
        for (const name of imported[1]!.split(',').map((s) => s.trim())) expect(tourImports, 'README import').to.include(name);
      } else {
        expect(tourCode.includes(line), `README line not in test/readme-tour.ts: ${line}`).to.equal(true);
        shown++;
      }
    }
    expect(shown).to.be.above(10);
  });
});
