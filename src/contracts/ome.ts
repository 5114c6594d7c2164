import { z } from 'zod';
import { internetMessageIdSchema } from '../core';

/** GET /api/ome?internetMessageId= */
export const omeQuerySchema = z.strictObject({ internetMessageId: internetMessageIdSchema });
export type OmeQuery = z.infer<typeof omeQuerySchema>;

export const omeStatusSchema = z.object({
  subject: z.string(),
  isRevocable: z.boolean(),
  revoked: z.boolean(),
  // Optional extras.
  sender: z.string().optional(),
  recipientCount: z.number().int().nonnegative().optional(),
  /** Why it cannot be revoked, or why this caller may not, as a sentence. */
  reason: z.string().optional(),
});
export type OmeStatus = z.infer<typeof omeStatusSchema>;

/** POST /api/ome/revoke */
export const omeRevokeRequestSchema = z.strictObject({ internetMessageId: internetMessageIdSchema });
export type OmeRevokeRequest = z.infer<typeof omeRevokeRequestSchema>;

export const omeRevokeSchema = z.object({ revoked: z.literal(true) });
export type OmeRevoke = z.infer<typeof omeRevokeSchema>;
