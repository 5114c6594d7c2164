/**
 * What every command shares: the global options, the API client (opened on first use, so that
 * bad arguments are refused before any credentials are looked for), and the two ways to print
 * — one JSON document on stdout with --json, human text otherwise; diagnostics on stderr.
 */
import { createApiClient, type ApiClient } from './apiClient';
import { createTokenSource } from './auth';
import { resolveConnection, type Connection, type ConnectionOptions } from './connection';
import type { CliIo } from './io';
import { createTransport } from './transport';

export interface GlobalOptions extends ConnectionOptions {
  json?: boolean;
  quiet?: boolean;
}

export function openApi(connection: Connection): ApiClient {
  const transport = createTransport({ caPem: connection.caPem });
  const tokens = createTokenSource(
    {
      authorityHost: connection.authorityHost,
      tenantId: connection.tenantId,
      clientId: connection.clientId,
      clientSecret: connection.clientSecret,
      scope: connection.scope,
    },
    transport,
  );
  return createApiClient(connection.api, tokens, transport);
}

export class Runtime {
  private client: ApiClient | undefined;

  constructor(
    readonly io: CliIo,
    readonly options: GlobalOptions,
  ) {}

  get json(): boolean {
    return this.options.json === true;
  }

  get quiet(): boolean {
    return this.options.quiet === true;
  }

  api(): ApiClient {
    if (!this.client) {
      const connection = resolveConnection(this.options, { env: this.io.env, cwd: this.io.cwd });
      this.client = (this.io.connect ?? openApi)(connection);
    }
    return this.client;
  }

  /** The command's result: the document itself with --json, else its human form. */
  result(document: unknown, human: string): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    else this.io.stdout.write(human);
  }

  /** A note for the person at the terminal (stderr; silenced by --quiet). */
  note(text: string): void {
    if (!this.quiet) this.io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }
}
