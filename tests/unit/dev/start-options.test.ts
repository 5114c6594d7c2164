/** The flags of `npm start` (CONTRACTS §1): defaults, free ports, and sentences for mistakes. */
import path from 'node:path';
import { DEFAULT_PORTS, parseStartOptions, UsageError } from '../../../src/dev/start-options';

it('starts on the contract ports, in memory, with no faults by default', () => {
  expect(parseStartOptions([], '/work')).toEqual({
    tenantFile: undefined,
    latencyMs: 0,
    throttle: false,
    dataDir: undefined,
    portsAuto: false,
    ports: { taskpane: 3000, api: 7071, sim: 4010, storage: 10000 },
  });
  expect(DEFAULT_PORTS).toEqual({ taskpane: 3000, api: 7071, sim: 4010, storage: 10000 });
});

it('takes free ports with --ports-auto, and resolves --tenant and --data against the working folder', () => {
  const options = parseStartOptions(['--ports-auto', '--tenant', 'fixtures/t.json', '--data', '.retract/data', '--latency-ms', '50', '--throttle', 'on'], '/work');
  expect(options.ports).toEqual({ taskpane: 0, api: 0, sim: 0, storage: 0 });
  expect(options.tenantFile).toBe(path.resolve('/work', 'fixtures/t.json'));
  expect(options.dataDir).toBe(path.resolve('/work', '.retract/data'));
  expect(options.latencyMs).toBe(50);
  expect(options.throttle).toBe(true);
});

it('refuses an unknown flag, a bad throttle value and a negative latency with a sentence naming the flag', () => {
  expect(() => parseStartOptions(['--tenants', 'x.json'])).toThrow(UsageError);
  expect(() => parseStartOptions(['--tenants', 'x.json'])).toThrow(/Flags: --tenant FILE/);
  expect(() => parseStartOptions(['--throttle', 'yes'])).toThrow(/^--throttle: /);
  expect(() => parseStartOptions(['--latency-ms=-5'])).toThrow(/^--latency-ms: /);
  expect(() => parseStartOptions(['--api-port', '70000'])).toThrow(/^--api-port: /);
});
