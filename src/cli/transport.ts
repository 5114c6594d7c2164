/**
 * HTTPS for the CLI, trusting the local development CA when one is named. Node's fetch takes no
 * per-request CA, so requests go through node:https with `ca` set to the public roots plus that
 * CA (and NODE_EXTRA_CA_CERTS, which an explicit `ca` would otherwise drop). TLS checks stay on.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface HttpTransport {
  send(request: HttpRequest): Promise<HttpResponse>;
}

/** A network failure (refused, reset, TLS, timeout): no HTTP answer at all. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

export interface TransportOptions {
  /** PEM text of a CA to trust besides the public roots. */
  caPem?: string;
  timeoutMs?: number;
  /** Where NODE_EXTRA_CA_CERTS points, if anywhere (read from the environment by default). */
  extraCaFile?: string;
}

function trustedCas(caPem: string, extraCaFile: string | undefined): string[] {
  const cas = [...tls.rootCertificates, caPem];
  if (extraCaFile) {
    try {
      cas.push(fs.readFileSync(extraCaFile, 'utf8'));
    } catch {
      // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS; do the same (silently).
    }
  }
  return cas;
}

function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export function createTransport(options: TransportOptions = {}): HttpTransport {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const ca = options.caPem
    ? trustedCas(options.caPem, options.extraCaFile ?? process.env.NODE_EXTRA_CA_CERTS)
    : undefined;

  return {
    send(request) {
      return new Promise<HttpResponse>((resolve, reject) => {
        let url: URL;
        try {
          url = new URL(request.url);
        } catch {
          reject(new TransportError(`"${request.url}" is not a URL.`, 'ERR_INVALID_URL'));
          return;
        }
        const headers: Record<string, string> = { ...request.headers };
        if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
        const requestOptions: https.RequestOptions = { method: request.method, headers };
        if (url.protocol === 'https:' && ca) requestOptions.ca = ca;
        const lib = url.protocol === 'http:' ? http : https;
        const req = lib.request(url, requestOptions, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: flatHeaders(res.headers),
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', (err: NodeJS.ErrnoException) => reject(new TransportError(err.message, err.code)));
        });
        req.setTimeout(timeoutMs, () => {
          req.destroy(new TransportError(`no answer within ${Math.round(timeoutMs / 1000)} s`, 'ETIMEDOUT'));
        });
        req.on('error', (err: NodeJS.ErrnoException) => {
          reject(err instanceof TransportError ? err : new TransportError(err.message, err.code));
        });
        if (request.body !== undefined) req.write(request.body);
        req.end();
      });
    },
  };
}

/** Why a request got no answer, as the end of a sentence ("…: <this>"). */
export function describeTransportError(err: TransportError): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'nothing is listening there';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'ETIMEDOUT':
      return err.message;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `its TLS certificate is not trusted (${err.code}); for the local stack, the CA named by caFile in .retract/dev-stack.json must be readable`;
    default:
      return err.code ? `${err.code}` : err.message;
  }
}
