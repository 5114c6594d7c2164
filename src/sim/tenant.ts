/**
 * The simulated tenant's directory (users, groups, domains, apps) built from a validated
 * fixture, with the lookups Entra and Exchange make. Address comparisons are ASCII
 * case-insensitive, as Exchange's are: no Unicode folding, so a look-alike address never
 * resolves to someone else.
 */
import { asciiLower, domainOf, FixtureError, jsonPath, type FixtureApp, type FixtureGroup, type FixtureUser, type TenantFixture } from './fixture';
import { MailError, MailStore, opTimes } from './mailstore';

export type MailboxState = 'enabled' | 'none' | 'not-rest-enabled';

export interface SimUser extends FixtureUser {
  mailbox: MailboxState;
  /** Primary SMTP address then every smtp proxy (deduplicated); empty for `mailbox: none`. */
  addresses: string[];
}

export interface SimDomain {
  id: string;
  isVerified: boolean;
  isDefault: boolean;
}

export interface SimTenantOptions {
  /** When the simulator starts: the fixture's ops without `at` end one minute before it. */
  start?: Date;
  /** Run the fixture's mail ops (default true). */
  loadMail?: boolean;
}

export class SimTenant {
  readonly id: string;
  /** The mail store and transport (see mailstore.ts for the delivery log and send records). */
  readonly mail: MailStore;
  readonly displayName: string;
  readonly initialDomain: string;
  readonly users: readonly SimUser[];
  readonly groups: readonly FixtureGroup[];
  readonly domains: readonly SimDomain[];
  readonly apps: readonly FixtureApp[];

  private readonly usersById = new Map<string, SimUser>();
  private readonly usersByUpn = new Map<string, SimUser>();
  private readonly usersByAddress = new Map<string, SimUser>();
  private readonly groupsById = new Map<string, FixtureGroup>();
  private readonly groupsByAddress = new Map<string, FixtureGroup>();
  private readonly appsByClientId = new Map<string, FixtureApp>();
  private readonly verified: Set<string>;

  constructor(
    readonly fixture: TenantFixture,
    opts: SimTenantOptions = {},
  ) {
    this.id = fixture.tenant.id;
    this.displayName = fixture.tenant.displayName;
    this.initialDomain = fixture.tenant.initialDomain;
    this.domains = fixture.domains.map((d) => ({ id: d.id, isVerified: d.isVerified, isDefault: d.isDefault ?? false }));
    this.verified = new Set(this.domains.filter((d) => d.isVerified).map((d) => asciiLower(d.id)));
    this.users = fixture.users.map((u) => {
      const addresses: string[] = [];
      if (u.mailbox !== 'none') {
        const seen = new Set<string>();
        for (const a of [u.mail, ...(u.proxyAddresses ?? []).map((p) => p.slice(5))]) {
          if (a && !seen.has(asciiLower(a))) {
            seen.add(asciiLower(a));
            addresses.push(a);
          }
        }
      }
      return { ...u, mailbox: u.mailbox, addresses };
    });
    for (const u of this.users) {
      this.usersById.set(u.id.toLowerCase(), u);
      this.usersByUpn.set(asciiLower(u.userPrincipalName), u);
      for (const a of u.addresses) this.usersByAddress.set(asciiLower(a), u);
    }
    this.groups = fixture.groups ?? [];
    for (const g of this.groups) {
      this.groupsById.set(g.id.toLowerCase(), g);
      this.groupsByAddress.set(asciiLower(g.mail), g);
    }
    this.apps = fixture.apps;
    for (const a of this.apps) this.appsByClientId.set(a.clientId.toLowerCase(), a);
    this.mail = new MailStore(this);
    if (opts.loadMail !== false) {
      const times = opTimes(fixture.mail, opts.start ?? new Date());
      fixture.mail.forEach((op, i) => {
        try {
          this.mail.runOp(op, times[i]!);
        } catch (e) {
          if (e instanceof MailError) throw new FixtureError(jsonPath(['mail', i, ...(e.field ? [e.field] : [])]), e.message);
          throw e;
        }
      });
    }
  }

  /** A user by object id or userPrincipalName, as Graph's `/users/{id | userPrincipalName}`. */
  findUser(idOrUpn: string): SimUser | undefined {
    return this.usersById.get(idOrUpn.toLowerCase()) ?? this.usersByUpn.get(asciiLower(idOrUpn));
  }

  /**
   * The user whose mail or any smtp proxy is `address`. A `mailbox: none` user is no Exchange
   * recipient, so their address resolves to no one (CONTRACTS §3).
   */
  findUserByAddress(address: string): SimUser | undefined {
    return this.usersByAddress.get(asciiLower(address));
  }

  findGroup(id: string): FixtureGroup | undefined {
    return this.groupsById.get(id.toLowerCase());
  }

  findGroupByAddress(address: string): FixtureGroup | undefined {
    return this.groupsByAddress.get(asciiLower(address));
  }

  findAppByClientId(clientId: string): FixtureApp | undefined {
    return this.appsByClientId.get(clientId.toLowerCase());
  }

  appByName(name: string): FixtureApp | undefined {
    return this.apps.find((a) => a.name === name);
  }

  /** True when the address's domain is one the tenant has verified (else it is external). */
  isInternalAddress(address: string): boolean {
    return this.verified.has(domainOf(address));
  }

  /**
   * The mailbox users a recipient address reaches: a user, or a group expanded through nested
   * groups (cycles tolerated, each user once). Unknown or external addresses reach no one.
   */
  expand(address: string): SimUser[] {
    const user = this.findUserByAddress(address);
    if (user) return [user];
    const group = this.findGroupByAddress(address);
    if (!group) return [];
    return this.groupMembers(group.id, true).users;
  }

  /** Members of a group: direct ones, or all of them through nested groups (each once). */
  groupMembers(groupId: string, transitive: boolean): { users: SimUser[]; groups: FixtureGroup[] } {
    const users: SimUser[] = [];
    const groups: FixtureGroup[] = [];
    const seenUsers = new Set<string>();
    const seenGroups = new Set<string>([groupId.toLowerCase()]);
    const walk = (gid: string) => {
      const g = this.groupsById.get(gid.toLowerCase());
      if (!g) return;
      for (const m of g.members) {
        const id = m.toLowerCase();
        const u = this.usersById.get(id);
        if (u) {
          if (!seenUsers.has(id)) {
            seenUsers.add(id);
            users.push(u);
          }
          continue;
        }
        const sub = this.groupsById.get(id);
        if (sub && !seenGroups.has(id)) {
          seenGroups.add(id);
          groups.push(sub);
          if (transitive) walk(sub.id);
        }
      }
    };
    walk(groupId);
    return { users, groups };
  }
}
