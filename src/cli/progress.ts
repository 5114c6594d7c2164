/**
 * The live progress bar of a running job, on stderr and only when stderr is a terminal:
 * one line redrawn in place, `[#####-----] 6/12  done 5  already gone 1  failed 0  running`.
 */
export interface ProgressCounts {
  targets: number;
  done: number;
  alreadyGone: number;
  failed: number;
}

export function progressLine(counts: ProgressCounts, status: string, width = 30): string {
  const finished = counts.done + counts.alreadyGone + counts.failed;
  const ratio = counts.targets > 0 ? Math.min(1, finished / counts.targets) : status === 'queued' ? 0 : 1;
  const filled = Math.round(ratio * width);
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
  return `[${bar}] ${finished}/${counts.targets}  done ${counts.done}  already gone ${counts.alreadyGone}  failed ${counts.failed}  ${status}`;
}

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export class ProgressBar {
  private drawn = false;
  constructor(private readonly stream: ProgressStream, private readonly enabled: boolean) {}

  update(counts: ProgressCounts, status: string): void {
    if (!this.enabled) return;
    // \r and clear-to-end-of-line: redraw the same line.
    this.stream.write(`\r${progressLine(counts, status)}\u001b[K`);
    this.drawn = true;
  }

  /** Ends the bar's line so that what follows starts on a fresh one. */
  finish(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
