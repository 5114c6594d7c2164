/**
 * The benchmark's outputs: `latest.json` (every figure, the machine, the settings) and an SVG
 * chart of time per phase, with the Graph sub-requests per second of the measured phases under it.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { AllStaffResult, Phase } from './all-staff';
import type { TaskpaneWeight } from './taskpane-weight';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  /** 1-minute load average before and after the run: other work on the machine shows here. */
  loadBefore: number;
  loadAfter: number;
  commit: string;
  /** Product files changed but not committed when the run started (others may be at work in the checkout). */
  uncommitted: string[];
}

export function machine(loadBefore: number): Machine {
  let commit = 'unknown';
  let uncommitted: string[] = [];
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    uncommitted = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3));
  } catch {
    // not a checkout: the figures still stand
  }
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadBefore,
    loadAfter: os.loadavg()[0] ?? 0,
    commit,
    uncommitted,
  };
}

export interface Targets {
  under30s: boolean;
  within1_5xBound: boolean;
  hundredTimesNaive: boolean;
  apiMemoryUnder512MiB: boolean;
  workerMemoryUnder512MiB: boolean;
  simMemoryUnder1_5GiB: boolean;
  outlookJsUnder250KiB: boolean | null;
  interactiveUnder1_5s: boolean | null;
}

export function targetsMet(r: AllStaffResult, tp: TaskpaneWeight | undefined): Targets {
  const workers = Object.entries(r.memory.peakMiB).filter(([k]) => k.startsWith('worker'));
  const outlook = tp?.paths.find((p) => p.host === 'outlook');
  return {
    under30s: r.bound.oursSeconds < 30,
    within1_5xBound: r.bound.ratio <= 1.5,
    hundredTimesNaive: r.ours.speedup >= 100,
    apiMemoryUnder512MiB: (r.memory.peakMiB.api ?? Infinity) <= 512,
    workerMemoryUnder512MiB: workers.length > 0 && workers.every(([, v]) => v <= 512),
    simMemoryUnder1_5GiB: (r.memory.peakMiB.sim ?? Infinity) <= 1536,
    outlookJsUnder250KiB: outlook ? outlook.toRetractViewGzipBytes <= 250 * 1024 : null,
    interactiveUnder1_5s: tp?.interactive?.ms !== undefined ? tp.interactive.ms < 1500 : null,
  };
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmtS = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

/** Time per phase (bars), and Graph sub-requests per second through the lookups and the job. */
export function phasesSvg(r: Pick<AllStaffResult, 'phases'>, title: string): string {
  const width = 900;
  const left = 250;
  const barH = 22;
  const gap = 8;
  const phases: Phase[] = r.phases;
  const maxMs = Math.max(...phases.map((p) => p.ms), 1);
  // Room on the right for the longest bar's label.
  const scale = (width - left - 330) / maxMs;
  const top = 50;
  const rows = phases.map((p, i) => {
    const y = top + i * (barH + gap);
    const w = Math.max(1, p.ms * scale);
    const measured = p.requests !== undefined;
    const note = p.requests ? ` · ${p.requests.graphSubRequests.toLocaleString('en')} sub-requests, ${p.requests.throttled} × 429` : '';
    return [
      `<text x="${left - 10}" y="${y + 15}" text-anchor="end">${esc(p.name)}</text>`,
      `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${measured ? '#0f6cbd' : '#8a8886'}"/>`,
      `<text x="${(left + w + 6).toFixed(1)}" y="${y + 15}">${esc(fmtS(p.ms) + note)}</text>`,
    ].join('');
  });
  // The measured phases' sub-requests per second, one after the other.
  const series: Array<{ name: string; values: number[] }> = phases.filter((p) => p.requests).map((p) => ({ name: p.name, values: p.requests!.subRequestsPerSecond }));
  const seconds = series.reduce((n, s) => n + s.values.length, 0);
  const chartTop = top + phases.length * (barH + gap) + 50;
  const chartH = 160;
  const maxRate = Math.max(2000, ...series.flatMap((s) => s.values));
  const xs = (width - left - 40) / Math.max(1, seconds);
  const ys = chartH / maxRate;
  let x0 = left;
  const lines: string[] = [];
  series.forEach((s, k) => {
    const pts = s.values.map((v, i) => `${(x0 + (i + 0.5) * xs).toFixed(1)},${(chartTop + chartH - v * ys).toFixed(1)}`).join(' ');
    lines.push(`<polyline points="${pts}" fill="none" stroke="#0f6cbd" stroke-width="2"/>`);
    lines.push(`<line x1="${x0.toFixed(1)}" y1="${chartTop}" x2="${x0.toFixed(1)}" y2="${chartTop + chartH}" stroke="#c8c6c4"/>`);
    // Staggered, so that short phases' names do not overlap.
    lines.push(`<text x="${(x0 + 4).toFixed(1)}" y="${chartTop + 12 + (k % 3) * 14}" font-size="11">${esc(s.name)}</text>`);
    x0 += s.values.length * xs;
  });
  const limitY = chartTop + chartH - 2000 * ys;
  const height = chartTop + chartH + 40;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Segoe UI, Helvetica, Arial, sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="20" y="28" font-size="16" font-weight="600">${esc(title)}</text>`,
    ...rows,
    `<text x="20" y="${chartTop - 14}" font-weight="600">Graph sub-requests per second (lookups, then the job)</text>`,
    `<line x1="${left}" y1="${limitY.toFixed(1)}" x2="${width - 40}" y2="${limitY.toFixed(1)}" stroke="#c50f1f" stroke-dasharray="6 4"/>`,
    `<text x="${left - 10}" y="${(limitY + 4).toFixed(1)}" text-anchor="end" fill="#c50f1f">2,000/s per app</text>`,
    `<text x="${left - 10}" y="${chartTop + chartH + 4}" text-anchor="end">0</text>`,
    `<line x1="${left}" y1="${chartTop + chartH}" x2="${width - 40}" y2="${chartTop + chartH}" stroke="#605e5c"/>`,
    ...lines,
    `<text x="${left}" y="${chartTop + chartH + 22}" font-size="11" fill="#605e5c">${seconds} s in all; grey bars are set-up and checks, not measured against the targets</text>`,
    '</svg>',
    '',
  ].join('\n');
}
