import { z } from 'zod';
import { actorSchema, roleSchema } from './common';

/** GET /api/me: who the API thinks the caller is. `user` is the caller (user or app). */
export const meSchema = z.object({
  user: actorSchema,
  tenantId: z.string(),
  roles: z.array(roleSchema),
});
export type Me = z.infer<typeof meSchema>;
