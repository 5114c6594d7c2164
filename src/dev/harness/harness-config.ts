/**
 * What the development server tells the harness page (`GET /harness-config.json`), and the
 * message list it proxies from the simulator. Shared by the server (src/dev/stack.ts) and the
 * page (src/dev/harness/index.ts), so both read the same shapes.
 */
import { z } from 'zod';

export const HARNESS_CONFIG_PATH = '/harness-config.json';
/** The simulator's test endpoints, proxied by the dev server (the simulator sends no CORS headers). */
export const HARNESS_MAILBOX_PATH = '/harness/mailboxes/';
export const HARNESS_OME_PATH = '/harness/ome/';

export const demoUserSchema = z.object({
  displayName: z.string(),
  mail: z.string(),
  roles: z.array(z.string()),
});
export type DemoUser = z.infer<typeof demoUserSchema>;

export const harnessConfigSchema = z.object({
  simOrigin: z.url(),
  tenantId: z.string().min(1),
  tenantName: z.string(),
  users: z.array(demoUserSchema),
});
export type HarnessConfig = z.infer<typeof harnessConfigSchema>;

/** One row of `GET /_sim/mailboxes/{address}/messages` (CONTRACTS §4). */
export const simMessageSchema = z.object({
  id: z.string(),
  folder: z.string(),
  internetMessageId: z.string(),
  conversationId: z.string(),
  subject: z.string(),
  from: z.string(),
  toRecipients: z.array(z.string()),
  receivedDateTime: z.string(),
  isRead: z.boolean(),
  ref: z.string().nullable(),
});
export type SimMessage = z.infer<typeof simMessageSchema>;

/** `GET /_sim/ome/{internetMessageId}`. */
export const simOmeSchema = z.object({
  revoked: z.boolean(),
  isRevocable: z.boolean(),
  recipients: z.array(z.string()),
  experiences: z.record(z.string(), z.string()).optional(),
});
export type SimOme = z.infer<typeof simOmeSchema>;

/** `GET /harness/mailboxes/{address}/messages/{id}/body`: the body as Graph returns it. */
export const messageBodySchema = z.object({ contentType: z.string(), content: z.string() });
