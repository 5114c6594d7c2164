/**
 * `npm run bench` (bench/README.md): the all-staff scenario through the real stack, the naive
 * baseline and the task pane's weight; writes bench/results/latest.json and
 * bench/results/phases.svg, prints a summary, and exits 1 unless the job completed and every
 * copy of the phish and its forwards was removed (that, not speed, is what it asserts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { APP_RATE, BENCH_FAULTS, PartialRunError, runAllStaff, type AllStaffResult } from './all-staff';
import { BenchUsageError, parseBenchOptions, type BenchOptions } from './options';
import { machine, phasesSvg, targetsMet } from './report';
import { measureTaskpaneWeight, type TaskpaneWeight } from './taskpane-weight';

const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

/** Why the run failed its assertions, or an empty list. */
export function failures(r: AllStaffResult): string[] {
  const out: string[] = [];
  if (r.job.status !== 'completed') out.push(`The job ended "${r.job.status}", not "completed" (${r.job.counts.failed} failed).`);
  if (r.removal.left.length > 0) {
    const first = r.removal.left[0]!;
    out.push(`${r.removal.left.length} copies were not removed, e.g. ${first.ref} in ${first.mailbox} (${first.folder}).`);
  }
  if (r.removal.copies !== r.scenario.expectedCopies) out.push(`The simulator holds ${r.removal.copies} copies of the phish and its forwards; the scenario made ${r.scenario.expectedCopies}.`);
  if (r.removal.targetsNotRemoved > 0) out.push(`${r.removal.targetsNotRemoved} targets of the lookup are not in Recoverable Items after the job.`);
  if (r.naive.removed !== r.naive.recipients) out.push(`The naive baseline removed ${r.naive.removed} of ${r.naive.recipients} copies.`);
  return out;
}

function summary(r: AllStaffResult, tp: TaskpaneWeight | undefined): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const lines = [
    `mailboxes                 ${r.scenario.mailboxes.toLocaleString('en')}`,
    ...r.lookups.map((l) => `lookup depth ${l.depth}            ${s(l.ms)}  (${l.targets.toLocaleString('en')} targets, ${l.mailboxesSearched.toLocaleString('en')} mailboxes searched)`),
    `soft-delete job           ${s(r.job.ms)}  (polled every ${s(r.job.pollMs)}; last change at ${r.job.lastChangeMs === null ? '—' : s(r.job.lastChangeMs)}; ${r.job.status}: ${r.job.counts.done.toLocaleString('en')} done, ${r.job.counts.alreadyGone} already gone, ${r.job.counts.failed} failed)`,
    `lookup (depth 2) + job    ${r.bound.oursSeconds.toFixed(1)} s; bound (N ${r.bound.n} + H ${r.bound.h} + T ${r.bound.t}) / ${APP_RATE} = ${r.bound.seconds.toFixed(1)} s; ratio ${r.bound.ratio.toFixed(1)}×`,
    `Graph sub-requests        ${r.totals.graphSubRequests.toLocaleString('en')} (${r.totals.throttled} × 429); HTTP to the simulator: ${Object.entries(r.totals.httpRequests).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `naive baseline            ${r.naive.mailboxesPerSecond.toFixed(1)} mailboxes/s (${r.naive.recipients} in ${s(r.naive.ms)}); ours ${r.ours.mailboxesPerSecond.toFixed(1)} mailboxes/s = ${r.ours.speedup.toFixed(1)}×`,
    `peak memory (MiB)         ${Object.entries(r.memory.peakMiB).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `removed                   ${r.removal.removed.toLocaleString('en')} of ${r.removal.copies.toLocaleString('en')} copies (checked in ${r.removal.mailboxesChecked.toLocaleString('en')} mailboxes through /_sim)`,
  ];
  if (tp) for (const p of tp.paths) lines.push(`task pane, ${p.host.padEnd(8)}  ${(p.toRetractViewGzipBytes / 1024).toFixed(1)} KiB gzipped to the Retract view (entry HTML scripts ${(p.entryGzipBytes / 1024).toFixed(1)} KiB)`);
  if (tp) lines.push(`time to interactive       ${tp.interactive.ms !== undefined ? `${tp.interactive.ms} ms` : `not measured: ${tp.interactive.notMeasured}`}`);
  return lines.join('\n');
}

async function main(options: BenchOptions): Promise<number> {
  const loadBefore = os.loadavg()[0] ?? 0;
  const atStart = machine(loadBefore);
  const started = Date.now();
  let result: AllStaffResult | undefined;
  let partial: PartialRunError['partial'] | undefined;
  let stopped: string | undefined;
  try {
    result = await runAllStaff({ mailboxes: options.mailboxes, naiveRecipients: options.naiveRecipients, workers: options.workers, log });
  } catch (err) {
    if (!(err instanceof PartialRunError)) throw err;
    // Keep what was measured: a run that stops is itself a finding (which phase, after how long, which requests).
    partial = err.partial;
    stopped = err.message;
  }
  let taskpane: TaskpaneWeight | undefined;
  if (options.taskpane) {
    try {
      taskpane = await measureTaskpaneWeight(log);
    } catch (err) {
      log(`task pane not measured: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const failed = result ? failures(result) : [stopped ?? 'The run stopped.'];
  const doc = {
    scenario: 'all-staff',
    ranAt: new Date(started).toISOString(),
    wallMs: Date.now() - started,
    options,
    settings: { simulator: BENCH_FAULTS, appRatePerSecond: APP_RATE, workers: options.workers },
    machine: { ...atStart, loadAfter: os.loadavg()[0] ?? 0 },
    result: result ?? partial,
    taskpane: taskpane ?? null,
    targets: result ? targetsMet(result, taskpane) : null,
    passed: failed.length === 0,
    failures: failed,
  };
  const out = path.resolve(options.out);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
  const svg = path.join(path.dirname(out), 'phases.svg');
  const shown = (result ?? partial)!;
  writeFileSync(svg, phasesSvg(shown, `Retract, all-staff scenario: ${shown.scenario.mailboxes.toLocaleString('en')} mailboxes${result ? '' : ' (stopped)'} (${new Date(started).toISOString().slice(0, 16)}Z, load ${loadBefore.toFixed(1)} on ${doc.machine.cpus} cores)`));
  if (result) process.stdout.write(`${summary(result, taskpane)}\n`);
  else process.stdout.write(`${shown.phases.map((p) => `${p.name.padEnd(34)}${(p.ms / 1000).toFixed(1)} s`).join('\n')}\n`);
  log(`wrote ${path.relative(process.cwd(), out)} and ${path.relative(process.cwd(), svg)} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  for (const f of failed) log(`FAILED: ${f}`);
  return failed.length === 0 ? 0 : 1;
}

if (require.main === module) {
  let options: BenchOptions;
  try {
    options = parseBenchOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof BenchUsageError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  main(options).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`bench: the benchmark could not run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
