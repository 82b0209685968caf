/** A one-line progress bar on stderr, redrawn with \r; silent unless stderr is a terminal. */
export class Progress {
  private readonly enabled: boolean;
  private lastDraw = 0;
  private readonly start = performance.now();

  constructor(private readonly label: string, private readonly total: number, allowed: boolean) {
    this.enabled = allowed && process.stderr.isTTY === true;
  }

  update(done: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (done < this.total && now - this.lastDraw < 40) return;
    this.lastDraw = now;
    const width = 30;
    const filled = Math.round((done / this.total) * width);
    const rate = done / Math.max((now - this.start) / 1000, 1e-9);
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total}  ${rate.toFixed(0)} payments/s`;
    process.stderr.write(`\r${line}\x1b[K`);
  }

  finish(): void {
    if (this.enabled) process.stderr.write('\r\x1b[K');
  }
}
