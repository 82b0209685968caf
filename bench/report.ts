/** One row of the benchmark table, and the plain-text table itself. */

export interface Row {
  readonly section: 'throughput' | 'growth' | 'weights' | 'exits' | 'hub' | 'watcher';
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** Dimensionless, measured in the same run; `ratioOf` says against what. */
  readonly ratio?: number;
  readonly ratioOf?: string;
  /** What the issue asks for, and whether this run met it. */
  readonly target?: string;
  readonly pass?: boolean;
  /** A few words in the table; `detail` says more in results.json. */
  readonly note?: string;
  readonly detail?: string;
  /** Extra figures kept in results.json (weights: signed weight, vsize, BOLT figure). */
  readonly data?: Record<string, number | string>;
}

function formatValue(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export function formatTable(rows: readonly Row[]): string {
  const header = ['section', 'measure', 'value', 'unit', 'ratio', 'target', 'note'];
  const cells = rows.map((r) => [
    r.section,
    r.name,
    formatValue(r.value),
    r.unit,
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}${r.ratioOf ? ` ${r.ratioOf}` : ''}`,
    r.target === undefined ? '' : `${r.target} ${r.pass ? 'met' : 'MISSED'}`,
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const right = new Set([2]);
  const line = (c: string[]) => c.map((x, i) => (right.has(i) ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w)))];
  let section = '';
  for (let i = 0; i < cells.length; i++) {
    if (rows[i]!.section !== section && section !== '') out.push('');
    section = rows[i]!.section;
    out.push(line(cells[i]!));
  }
  return out.join('\n');
}
