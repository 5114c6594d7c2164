/**
 * Local HTTPS certificates, made the way Office add-in projects make them (a local CA and a
 * `localhost` certificate it signs), but written under `.retract/certs/` without touching the
 * system store: this machine has no sudo, and nothing here needs it. Node processes of the
 * project trust the CA through NODE_EXTRA_CA_CERTS; browsers in tests through the CA file.
 *
 * `tsx src/dev/certs.ts [--quiet]` creates them when missing or close to expiry.
 */
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';

export interface DevCerts {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  ca: string;
  cert: string;
  key: string;
}

const ROOT = path.resolve(__dirname, '..', '..');
export const CERT_DIR = path.join(ROOT, '.retract', 'certs');

function makeKeys(): forge.pki.rsa.KeyPair {
  return forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
}

function serial(): string {
  // Positive, 16 random bytes in hex.
  return '01' + forge.util.bytesToHex(forge.random.getBytesSync(15));
}

function daysFromNow(days: number): Date {
  return new Date(Date.now() + days * 86_400_000);
}

function createCa(): { cert: forge.pki.Certificate; keys: forge.pki.rsa.KeyPair } {
  const keys = makeKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = daysFromNow(-1);
  cert.validity.notAfter = daysFromNow(3650);
  const attrs = [
    { name: 'commonName', value: 'Retract Development CA' },
    { name: 'organizationName', value: 'Retract (local development only)' },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { cert, keys };
}

function createLeaf(ca: { cert: forge.pki.Certificate; keys: forge.pki.rsa.KeyPair }) {
  const keys = makeKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = daysFromNow(-1);
  // Browsers refuse leaf certificates valid for more than 398 days.
  cert.validity.notAfter = daysFromNow(397);
  cert.setSubject([{ name: 'commonName', value: 'localhost' }]);
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
      ],
    },
  ]);
  cert.sign(ca.keys.privateKey, forge.md.sha256.create());
  return { cert, keys };
}

function readIfValid(dir: string): DevCerts | undefined {
  const caFile = path.join(dir, 'ca.crt');
  const certFile = path.join(dir, 'localhost.crt');
  const keyFile = path.join(dir, 'localhost.key');
  if (![caFile, certFile, keyFile].every((f) => fs.existsSync(f))) return undefined;
  const certPem = fs.readFileSync(certFile, 'utf8');
  const leaf = forge.pki.certificateFromPem(certPem);
  // Renew a week before expiry.
  if (leaf.validity.notAfter.getTime() < Date.now() + 7 * 86_400_000) return undefined;
  return {
    dir,
    caFile,
    certFile,
    keyFile,
    ca: fs.readFileSync(caFile, 'utf8'),
    cert: certPem,
    key: fs.readFileSync(keyFile, 'utf8'),
  };
}

/** Returns the development certificates, creating them first when they are missing or old. */
export function ensureDevCerts(dir: string = CERT_DIR): DevCerts {
  const existing = readIfValid(dir);
  if (existing) return existing;
  fs.mkdirSync(dir, { recursive: true });
  const ca = createCa();
  const leaf = createLeaf(ca);
  const caPem = forge.pki.certificateToPem(ca.cert);
  // The leaf file carries the chain, so clients that only trust the CA can verify it.
  const certPem = forge.pki.certificateToPem(leaf.cert) + caPem;
  const keyPem = forge.pki.privateKeyToPem(leaf.keys.privateKey);
  fs.writeFileSync(path.join(dir, 'ca.crt'), caPem);
  fs.writeFileSync(path.join(dir, 'ca.key'), forge.pki.privateKeyToPem(ca.keys.privateKey), { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'localhost.crt'), certPem);
  fs.writeFileSync(path.join(dir, 'localhost.key'), keyPem, { mode: 0o600 });
  const made = readIfValid(dir);
  if (!made) throw new Error(`Could not write development certificates to ${dir}.`);
  return made;
}

if (require.main === module) {
  const quiet = process.argv.includes('--quiet');
  const certs = ensureDevCerts();
  if (!quiet) console.log(`certificates  ${certs.dir} (trust ${certs.caFile})`);
}
