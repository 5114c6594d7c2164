/** Retract's own settings, kept per tenant id: the managed domains. */
import { statusOf, type Storage } from './clients';

export class SettingsStore {
  constructor(private readonly storage: Storage) {}

  /** The managed domains, or null when the admin has set none (then every verified domain is managed). */
  async getDomains(tenantId: string): Promise<string[] | null> {
    try {
      const e = await this.storage.table('settings').getEntity<{ domains: string }>(tenantId, 'domains');
      return JSON.parse(e.domains) as string[];
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  async setDomains(tenantId: string, domains: string[]): Promise<void> {
    const unique = [...new Set(domains.map((d) => d.toLowerCase()))].sort();
    await this.storage
      .table('settings')
      .upsertEntity({ partitionKey: tenantId, rowKey: 'domains', domains: JSON.stringify(unique), updatedAt: new Date().toISOString() }, 'Replace');
  }
}
