import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startHarness, type Harness } from './identity-harness';
import { API_ID, CLI_ID, identityFixture, TENANT_ID } from './identity-fixture';

function selfSigned(cn: string): { certPem: string; keyPem: string; sha1: string; sha256: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: 'commonName', value: cn }]);
  cert.setIssuer([{ name: 'commonName', value: cn }]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  const x = new X509Certificate(certPem);
  return { certPem, keyPem, sha1: x.fingerprint.replace(/:/g, ''), sha256: x.fingerprint256.replace(/:/g, '') };
}

const apiCert = selfSigned('retract-api');
const cliCert = selfSigned('retract-cli');
const stranger = selfSigned('someone else');

let sim: Harness;
beforeAll(async () => {
  const fixture = identityFixture();
  // The fixture names the API's certificate by thumbprint only, as an app registration shows it.
  fixture.apps[0]!.certificateThumbprint = apiCert.sha1;
  sim = await startHarness(fixture);
});
afterAll(() => sim.close());

function app(clientId: string, clientCertificate: { thumbprint?: string; thumbprintSha256?: string; privateKey: string; x5c?: string }) {
  return new ConfidentialClientApplication({
    auth: { clientId, clientCertificate, authority: `${sim.origin}/${TENANT_ID}`, knownAuthorities: [new URL(sim.origin).host] },
  });
}

async function verify(token: string, audience: string) {
  const doc = (await (await fetch(`${sim.origin}/${TENANT_ID}/v2.0/.well-known/openid-configuration`)).json()) as { jwks_uri: string };
  return jwtVerify(token, createRemoteJWKSet(new URL(doc.jwks_uri)), { audience });
}

describe('client credentials with a certificate', () => {
  it('accepts a certificate uploaded through /_sim (SHA-256 thumbprint, PS256) and marks the token appidacr 2', async () => {
    const up = await fetch(`${sim.origin}/_sim/apps/${CLI_ID}/certificates`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ certificate: cliCert.certPem }) });
    expect(up.status).toBe(201);
    expect(await up.json()).toMatchObject({ thumbprint: cliCert.sha1, thumbprintSha256: cliCert.sha256 });
    const result = await app(CLI_ID, { thumbprintSha256: cliCert.sha256, privateKey: cliCert.keyPem }).acquireTokenByClientCredential({ scopes: [`api://localhost:3000/${API_ID}/.default`] });
    const { payload } = await verify(result!.accessToken, API_ID);
    expect(payload).toMatchObject({ azp: CLI_ID, azpacr: '2', roles: ['Retract.Admin'] });
  });

  it("accepts the fixture's certificateThumbprint when msal-node sends the certificate (x5c, SHA-1, RS256)", async () => {
    const result = await app(API_ID, { thumbprint: apiCert.sha1, privateKey: apiCert.keyPem, x5c: apiCert.certPem }).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    const { payload } = await verify(result!.accessToken, 'https://graph.microsoft.com');
    expect(payload).toMatchObject({ appid: API_ID, appidacr: '2' });
  });

  it('refuses an assertion signed by a certificate the app does not have (AADSTS700027)', async () => {
    const attempt = app(API_ID, { thumbprint: stranger.sha1, privateKey: stranger.keyPem, x5c: stranger.certPem }).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    await expect(attempt).rejects.toMatchObject({ errorCode: 'invalid_client', errorMessage: expect.stringContaining('AADSTS700027') });
  });

  it('refuses a right thumbprint with the wrong private key', async () => {
    const attempt = app(CLI_ID, { thumbprintSha256: cliCert.sha256, privateKey: stranger.keyPem }).acquireTokenByClientCredential({ scopes: [`api://localhost:3000/${API_ID}/.default`] });
    await expect(attempt).rejects.toMatchObject({ errorCode: 'invalid_client', errorMessage: expect.stringContaining('AADSTS700027') });
  });
});
