/**
 * Redraws the phases chart from a results file: `npx tsx bench/render-chart.ts IN.json OUT.svg`
 * (for a chart from an earlier run, without running the benchmark again).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import type { AllStaffResult } from './all-staff';
import { phasesSvg } from './report';

const docSchema = z.object({
  ranAt: z.string(),
  machine: z.object({ loadBefore: z.number(), cpus: z.number() }),
  result: z.object({ scenario: z.object({ mailboxes: z.number() }), phases: z.array(z.object({ name: z.string(), ms: z.number() }).passthrough()) }),
});

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write('usage: npx tsx bench/render-chart.ts bench/results/latest.json bench/results/phases.svg\n');
  process.exit(2);
}
const doc = docSchema.parse(JSON.parse(readFileSync(input, 'utf8')));
const phases = doc.result.phases as unknown as AllStaffResult['phases'];
writeFileSync(
  output,
  phasesSvg({ phases }, `Retract, all-staff scenario: ${doc.result.scenario.mailboxes.toLocaleString('en')} mailboxes (${doc.ranAt.slice(0, 16)}Z, load ${doc.machine.loadBefore.toFixed(1)} on ${doc.machine.cpus} cores)`),
);
