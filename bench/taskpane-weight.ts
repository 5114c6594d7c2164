/**
 * The task pane's weight (issue 10, item 5): the production build (webpack.config.js, as
 * `npx webpack --mode production` makes it, but into a temporary folder so dist/ is left alone),
 * and per host path the gzipped size of the JavaScript the page loads before the Retract view
 * can be used: the scripts of the entry HTML, then the host's adapter chunk, MSAL and the
 * Retract view chunk (with the shared chunks each of them needs), as index.tsx and App.tsx load
 * them. Office.js (Microsoft's CDN, Outlook only) is not part of our bundle and not counted.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import webpack from 'webpack';
import { measureInteractive } from './taskpane-interactive';

const ROOT = path.resolve(__dirname, '..');

export interface HostPath {
  host: 'outlook' | 'teams' | 'browser';
  /** The entry HTML's own scripts (what the browser fetches before any code runs). */
  entryFiles: string[];
  entryGzipBytes: number;
  /** Every script loaded until the Retract view can render: entry, host adapter, MSAL, the view. */
  toRetractViewFiles: string[];
  toRetractViewGzipBytes: number;
  toRetractViewRawBytes: number;
}

export interface TaskpaneWeight {
  buildMs: number;
  paths: HostPath[];
  /** Time from navigation to the Retract view being interactive (median of `runs`), or why it was not measured. */
  interactive: { ms?: number; runs?: number[]; scripts?: number; notMeasured?: string };
}

/** The chunk groups each host path loads on its way to the Retract view (index.tsx, hosts/detect.ts, App.tsx, theme.ts). */
const GROUPS: Record<HostPath['host'], string[]> = {
  outlook: ['host-outlook', 'msal', 'view-retract'],
  teams: ['host-teams', 'msal', 'view-retract', 'themes-teams'],
  browser: ['host-browser', 'msal', 'view-retract'],
};

export async function measureTaskpaneWeight(log: (line: string) => void): Promise<TaskpaneWeight> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- webpack.config.js is CommonJS at the root
  const makeConfig = require(path.join(ROOT, 'webpack.config.js')) as (env: unknown, argv: { mode: string }) => webpack.Configuration;
  const config = makeConfig({}, { mode: 'production' });
  const out = mkdtempSync(path.join(tmpdir(), 'retract-taskpane-'));
  config.output = { ...config.output, path: out };
  // No source maps: they are not shipped to the browser and only slow the build.
  config.devtool = false;
  config.infrastructureLogging = { level: 'error' };
  const started = Date.now();
  try {
    const stats = await new Promise<webpack.Stats>((resolve, reject) => {
      webpack(config, (err, s) => {
        if (err || !s) return reject(err ?? new Error('webpack gave no stats'));
        if (s.hasErrors()) return reject(new Error(`The task pane did not build:\n${s.toString('errors-only')}`));
        resolve(s);
      });
    });
    const buildMs = Date.now() - started;
    log(`task pane production build in ${(buildMs / 1000).toFixed(1)} s`);
    const json = stats.toJson({ all: false, chunkGroups: true, assets: true, entrypoints: true });
    const groups = json.namedChunkGroups ?? {};
    const jsOf = (name: string): string[] => {
      const g = groups[name];
      if (!g) throw new Error(`The task pane build has no chunk named "${name}": bench/taskpane-weight.ts must follow the split in src/taskpane.`);
      return (g.assets ?? []).map((a) => a.name).filter((f) => f.endsWith('.js'));
    };
    const html = readFileSync(path.join(out, 'taskpane.html'), 'utf8');
    // The production HTML is minified: attribute values may come without quotes.
    const entryFiles = [...html.matchAll(/<script[^>]*\bsrc=["']?\/?([^"' >]+\.js)/g)].map((m) => m[1]!);
    if (entryFiles.length === 0) throw new Error('The built taskpane.html names no script: bench/taskpane-weight.ts cannot find the entry.');
    const size = new Map<string, { raw: number; gz: number }>();
    const sizeOf = (f: string): { raw: number; gz: number } => {
      let s = size.get(f);
      if (!s) {
        const buf = readFileSync(path.join(out, f));
        s = { raw: buf.length, gz: gzipSync(buf, { level: 9 }).length };
        size.set(f, s);
      }
      return s;
    };
    const paths: HostPath[] = (Object.keys(GROUPS) as HostPath['host'][]).map((host) => {
      const files = [...new Set([...entryFiles, ...GROUPS[host].flatMap(jsOf)])];
      return {
        host,
        entryFiles,
        entryGzipBytes: entryFiles.reduce((n, f) => n + sizeOf(f).gz, 0),
        toRetractViewFiles: files,
        toRetractViewGzipBytes: files.reduce((n, f) => n + sizeOf(f).gz, 0),
        toRetractViewRawBytes: files.reduce((n, f) => n + sizeOf(f).raw, 0),
      };
    });
    let interactive: TaskpaneWeight['interactive'];
    try {
      interactive = await measureInteractive(out, log);
      log(`task pane interactive in ${interactive.ms} ms (median of ${interactive.runs?.join(', ')} ms)`);
    } catch (err) {
      interactive = { notMeasured: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
      log(`time to interactive not measured: ${interactive.notMeasured}`);
    }
    return { buildMs, paths, interactive };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
