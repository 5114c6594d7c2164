/**
 * Middleware that asks Graph for immutable ids on every request: an item's id then survives a
 * move within its mailbox, which is what lets a job find, act on and undo the same item.
 * The header applies only to the request that carries it, so it is added to each one (and to
 * each `$batch` item, by the batch builder).
 */
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';

export const PREFER_IMMUTABLE_ID = 'IdType="ImmutableId"';

export class PreferImmutableIdHandler implements Middleware {
  private next: Middleware | undefined;

  async execute(context: Context): Promise<void> {
    const options = (context.options ??= {});
    const headers = new Headers(options.headers as HeadersInit | undefined);
    headers.set('Prefer', PREFER_IMMUTABLE_ID);
    options.headers = Object.fromEntries(headers.entries());
    if (!this.next) throw new Error('PreferImmutableIdHandler is not followed by a transport.');
    await this.next.execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}
