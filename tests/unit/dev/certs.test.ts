import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { ensureDevCerts } from '../../../src/dev/certs';

describe('development certificates', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retract-certs-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('makes a CA and a localhost certificate that the CA signed', () => {
    const certs = ensureDevCerts(dir);
    const ca = new X509Certificate(certs.ca);
    const leaf = new X509Certificate(certs.cert);
    expect(ca.ca).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkHost('localhost')).toBe('localhost');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(fs.statSync(certs.keyFile).mode & 0o077).toBe(0);
  }, 60000);

  it('reuses certificates that are still valid instead of making new ones', () => {
    const first = ensureDevCerts(dir);
    const second = ensureDevCerts(dir);
    expect(second.cert).toBe(first.cert);
  });
});
