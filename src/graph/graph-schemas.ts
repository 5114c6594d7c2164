/**
 * zod schemas of the parts of Graph's answers the gateway reads — only the fields it uses, so
 * an answer Graph enriches tomorrow still parses, and one missing a field we rely on does not.
 */
import { z } from 'zod';

export const pageOf = <T extends z.ZodTypeAny>(item: T) =>
  z.object({
    value: z.array(item),
    '@odata.nextLink': z.string().optional(),
  });

export const domainSchema = z.object({ id: z.string(), isVerified: z.boolean().optional().default(false) });
export type GraphDomain = z.infer<typeof domainSchema>;

export const directoryUserSchema = z.object({
  '@odata.type': z.string().optional(),
  id: z.string(),
  mail: z.string().nullish(),
  userPrincipalName: z.string().nullish(),
  proxyAddresses: z.array(z.string()).nullish(),
});
export type DirectoryUser = z.infer<typeof directoryUserSchema>;

export const directoryGroupSchema = z.object({
  id: z.string(),
  mail: z.string().nullish(),
  proxyAddresses: z.array(z.string()).nullish(),
});
export type DirectoryGroup = z.infer<typeof directoryGroupSchema>;

const emailAddressSchema = z.object({
  emailAddress: z.object({ address: z.string().nullish() }).nullish(),
});

export const messageSchema = z.object({
  id: z.string(),
  internetMessageId: z.string().nullish(),
  parentFolderId: z.string().nullish(),
  conversationId: z.string().nullish(),
  conversationIndex: z.string().nullish(),
  receivedDateTime: z.string().nullish(),
  sentDateTime: z.string().nullish(),
  isRead: z.boolean().nullish(),
  from: emailAddressSchema.nullish(),
  toRecipients: z.array(emailAddressSchema).nullish(),
  ccRecipients: z.array(emailAddressSchema).nullish(),
  bccRecipients: z.array(emailAddressSchema).nullish(),
  singleValueExtendedProperties: z.array(z.object({ id: z.string(), value: z.string().nullish() })).nullish(),
});
export type GraphMessage = z.infer<typeof messageSchema>;

export const folderSchema = z.object({ id: z.string(), displayName: z.string().nullish() });

/** `PidTagInReplyToId`: Sent Items copies show In-Reply-To only through this property. */
export const IN_REPLY_TO_PROPERTY = 'String 0x1042';

export function inReplyToOf(message: GraphMessage): string | undefined {
  const prop = message.singleValueExtendedProperties?.find((p) => p.id.toLowerCase() === IN_REPLY_TO_PROPERTY.toLowerCase());
  const value = prop?.value?.trim();
  return value ? value : undefined;
}

export function addressesIn(list: GraphMessage['toRecipients']): string[] {
  const out: string[] = [];
  for (const r of list ?? []) {
    const a = r.emailAddress?.address;
    if (a) out.push(a);
  }
  return out;
}

export const MESSAGE_FIELDS = [
  'id',
  'internetMessageId',
  'parentFolderId',
  'conversationId',
  'conversationIndex',
  'receivedDateTime',
  'sentDateTime',
  'isRead',
  'from',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
].join(',');
