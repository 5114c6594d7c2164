/**
 * Office 365 Message Encryption as Exchange Online keeps it for mail sent from the tenant with
 * `encryption: "ome"`. Each recipient gets one of two experiences: inline (the recipient is in
 * Microsoft 365 or has a Microsoft account, and reads the message in Outlook) or link-based
 * (everyone else, who reads it in the OME portal). Only mail whose recipients all have the
 * link-based experience can be revoked; revocation stops the portal from showing it.
 */
import { asciiLower, domainOf } from '../fixture';
import type { SendRecord } from '../mailstore';
import type { SimTenant } from '../tenant';

/**
 * Microsoft account (consumer) domains: their users get the inline experience. Simplification:
 * other organisations' Microsoft 365 domains cannot be known here, so they count as link-based.
 */
const MICROSOFT_ACCOUNT_DOMAINS = new Set(['outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'hotmail.co.uk', 'outlook.fr', 'live.fr', 'hotmail.fr', 'outlook.de', 'live.de', 'passport.com']);

export type OmeExperience = 'inline' | 'link';

export interface OmeMessage {
  send: SendRecord;
  recipients: { address: string; experience: OmeExperience }[];
  isRevocable: boolean;
  revoked: boolean;
}

/** `<id@host>`: the internetMessageId as Exchange stores it, brackets added when missing. */
export function normalizeMessageId(id: string): string {
  const t = id.trim();
  return t.startsWith('<') ? t : `<${t}>`;
}

export class OmeService {
  private readonly revoked = new Set<string>();

  constructor(private readonly tenant: SimTenant) {}

  experience(address: string): OmeExperience {
    if (this.tenant.isInternalAddress(address)) return 'inline';
    return MICROSOFT_ACCOUNT_DOMAINS.has(domainOf(address)) ? 'inline' : 'link';
  }

  /** The tenant's own OME mail with this internetMessageId (mail from outside is not the tenant's to revoke). */
  find(internetMessageId: string): OmeMessage | undefined {
    const key = asciiLower(normalizeMessageId(internetMessageId));
    const send = this.tenant.mail.sends.find((s) => s.encryption === 'ome' && s.kind !== 'deliver' && asciiLower(s.internetMessageId) === key);
    if (!send) return undefined;
    const seen = new Set<string>();
    const recipients: OmeMessage['recipients'] = [];
    for (const r of [...send.to, ...send.cc, ...send.bcc]) {
      if (seen.has(asciiLower(r.address))) continue;
      seen.add(asciiLower(r.address));
      recipients.push({ address: r.address, experience: this.experience(r.address) });
    }
    const isRevocable = recipients.length > 0 && recipients.every((r) => r.experience === 'link');
    return { send, recipients, isRevocable, revoked: this.revoked.has(key) };
  }

  revoke(m: OmeMessage): void {
    this.revoked.add(asciiLower(m.send.internetMessageId));
  }
}
