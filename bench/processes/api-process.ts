/**
 * The API host in a process of its own (its worker processes are its children), so that the
 * peak memory of the API and of each worker is read apart from the simulator's and the runner's.
 *
 * Started by bench/stack.ts with an IPC channel and the API's environment (CONTRACTS §2);
 * argv[2] is the number of workers, argv[3] the managed domains (comma-separated). Answers
 * { type: 'ready', url, pid, workerPids } once it listens.
 */
import { ensureDevCerts } from '../../src/dev/certs';
import { startApiHost } from '../../src/dev/api-host';

async function main(): Promise<void> {
  if (!process.send) throw new Error('usage: started by bench/stack.ts with an IPC channel');
  const workers = Number(process.argv[2] ?? '1');
  const managedDomains = (process.argv[3] ?? '').split(',').filter(Boolean);
  const certs = ensureDevCerts();
  const api = await startApiHost({ env: { ...process.env }, cert: certs.cert, key: certs.key, port: 0, workers });
  const tenantId = process.env.RETRACT_TENANT_ID ?? '';
  // Retract's own setting for the tenant, as `npm start` writes it (PUT /api/settings/domains).
  if (managedDomains.length > 0) await api.services.settings.setDomains(tenantId, managedDomains);
  process.send({ type: 'ready', url: api.url, pid: process.pid, workerPids: api.workers.map((w) => w.pid ?? 0) });
  const stop = (): void => {
    void api.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('disconnect', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench api: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
