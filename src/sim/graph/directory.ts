/**
 * Graph v1.0 directory: users, groups, a group's transitive members, domains. Directory
 * paging uses `$skiptoken`; advanced queries ($count, type casts, $filter on
 * transitiveMembers) need `ConsistencyLevel: eventual`, as Entra requires.
 */
import type { SimContext } from '../context';
import type { FixtureGroup } from '../fixture';
import type { SimRequest, SimResponse, SimRouter } from '../http';
import { evaluate, parseFilter, parseOrderBy, type FilterExpr, type FilterValue } from '../odata';
import type { SimUser } from '../tenant';
import { applySelect, badRequest, GraphFault, graphJson, headerOf, metadata, nextLink, odataFault, onlyOptions, pageOffset, queryOption, resolveUser, selectOption, topOption } from './common';
import type { Handle } from './messages';

const USER_READ = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All', 'User.ReadBasic.All'];
const GROUP_READ = ['GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const DOMAIN_READ = ['Domain.Read.All', 'Domain.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];

export function userJson(u: SimUser): Record<string, unknown> {
  // A user without an Exchange recipient shows no mail and no proxy addresses.
  const hasMailbox = u.mailbox !== 'none';
  const [given, ...rest] = u.displayName.split(' ');
  return {
    businessPhones: [],
    displayName: u.displayName,
    givenName: given ?? null,
    jobTitle: null,
    mail: hasMailbox ? (u.mail ?? null) : null,
    mailNickname: u.userPrincipalName.split('@')[0],
    mobilePhone: null,
    officeLocation: null,
    otherMails: [],
    preferredLanguage: 'en-US',
    proxyAddresses: hasMailbox ? (u.proxyAddresses ?? (u.mail ? [`SMTP:${u.mail}`] : [])) : [],
    surname: rest.length ? rest.join(' ') : null,
    userPrincipalName: u.userPrincipalName,
    id: u.id,
  };
}

export function groupJson(g: FixtureGroup): Record<string, unknown> {
  return {
    id: g.id,
    deletedDateTime: null,
    description: null,
    displayName: g.displayName,
    groupTypes: [],
    mail: g.mail,
    mailEnabled: true,
    mailNickname: g.mail.split('@')[0],
    proxyAddresses: [`SMTP:${g.mail}`],
    securityEnabled: false,
    visibility: null,
  };
}

function userValue(u: SimUser, property: string): FilterValue | readonly string[] {
  const j = userJson(u);
  switch (property.toLowerCase()) {
    case 'mail':
      return j.mail as string | null;
    case 'userprincipalname':
      return u.userPrincipalName;
    case 'displayname':
      return u.displayName;
    case 'id':
      return u.id;
    case 'proxyaddresses':
      return j.proxyAddresses as string[];
    case 'mailnickname':
      return j.mailNickname as string;
    case 'givenname':
      return j.givenName as string | null;
    case 'surname':
      return j.surname as string | null;
    default:
      throw new GraphFault(400, 'Request_UnsupportedQuery', `Unsupported or invalid query filter clause specified for property '${property}' of resource 'User'.`);
  }
}

function groupValue(g: FixtureGroup, property: string): FilterValue | readonly string[] {
  switch (property.toLowerCase()) {
    case 'mail':
      return g.mail;
    case 'displayname':
      return g.displayName;
    case 'id':
      return g.id;
    case 'mailnickname':
      return g.mail.split('@')[0];
    case 'proxyaddresses':
      return [`SMTP:${g.mail}`];
    default:
      throw new GraphFault(400, 'Request_UnsupportedQuery', `Unsupported or invalid query filter clause specified for property '${property}' of resource 'Group'.`);
  }
}

function parsedFilter(req: SimRequest): FilterExpr | undefined {
  const src = queryOption(req, '$filter');
  if (src === undefined) return undefined;
  try {
    return parseFilter(src);
  } catch (e) {
    throw odataFault(e);
  }
}

function eventual(req: SimRequest): boolean {
  return (headerOf(req, 'consistencylevel') ?? '').toLowerCase() === 'eventual';
}

function countRequested(req: SimRequest): boolean {
  const c = queryOption(req, '$count');
  if (c === undefined) return false;
  if (!/^(true|false)$/i.test(c)) throw badRequest(`Invalid value '${c}' for $count query option.`);
  return c.toLowerCase() === 'true';
}

/** Filters, pages and selects a directory collection, with the count rule applied. */
export function page<T>(
  ctx: SimContext,
  req: SimRequest,
  items: T[],
  opts: {
    filter?: (item: T, f: FilterExpr) => boolean;
    sortKey?: (item: T, property: string) => string;
    json: (item: T) => Record<string, unknown>;
    context: string;
    defaultTop: number;
    needEventualForFilter?: boolean;
  },
): SimResponse {
  onlyOptions(req, ['$filter', '$select', '$top', '$skiptoken', '$count', '$orderby']);
  const filter = parsedFilter(req);
  const count = countRequested(req);
  if ((count || (filter && opts.needEventualForFilter)) && !eventual(req))
    throw new GraphFault(400, 'Request_UnsupportedQuery', count ? '$count is not currently supported.' : 'Unsupported query: this query needs the ConsistencyLevel header set to eventual.');
  if (queryOption(req, '$orderby') !== undefined && !eventual(req) && filter)
    throw new GraphFault(400, 'Request_UnsupportedQuery', "Sorting not supported for current query.");
  const select = selectOption(req);
  const top = topOption(req, opts.defaultTop, 999);
  const offset = pageOffset(req, '$skiptoken');
  const matched = filter && opts.filter ? items.filter((i) => opts.filter!(i, filter)) : [...items];
  const orderSrc = queryOption(req, '$orderby');
  if (orderSrc !== undefined) {
    let order: { property: string; desc: boolean }[];
    try {
      order = parseOrderBy(orderSrc);
    } catch (e) {
      throw odataFault(e);
    }
    const sortable = ['displayname', 'userprincipalname', 'mail'];
    for (const o of order) if (!sortable.includes(o.property.toLowerCase()) || !opts.sortKey) throw new GraphFault(400, 'Request_UnsupportedQuery', `Sorting by '${o.property}' is not supported.`);
    const key = opts.sortKey!;
    matched.sort((a, b) => {
      for (const o of order) {
        const x = key(a, o.property.toLowerCase());
        const y = key(b, o.property.toLowerCase());
        if (x !== y) return (x < y ? -1 : 1) * (o.desc ? -1 : 1);
      }
      return 0;
    });
  }
  const body: Record<string, unknown> = { '@odata.context': metadata(ctx, opts.context + (select ? `(${select.join(',')})` : '')) };
  if (count) body['@odata.count'] = matched.length;
  body.value = matched.slice(offset, offset + top).map((i) => applySelect(opts.json(i), select));
  if (offset + top < matched.length) body['@odata.nextLink'] = nextLink(ctx, req, '$skiptoken', offset + top);
  return graphJson(200, body);
}

/**
 * Entra answers equality filters on its indexed properties (id, userPrincipalName, mail,
 * proxyAddresses) from an index, not by reading every user; at 10,000 users a scan per
 * `/users?$filter=mail eq …` made the simulator, not the client, the bottleneck. The candidates
 * come from the tenant's own indexes and the whole filter is still evaluated on them, so the
 * answer is the same as a scan's. `undefined` means the filter cannot narrow: scan.
 */
export function userCandidates(tenant: SimContext['tenant'], f: FilterExpr): Set<SimUser> | undefined {
  switch (f.kind) {
    case 'or': {
      const left = userCandidates(tenant, f.left);
      const right = left && userCandidates(tenant, f.right);
      return left && right ? new Set([...left, ...right]) : undefined;
    }
    case 'and':
      // Either side narrows: the whole filter is evaluated on what it leaves.
      return userCandidates(tenant, f.left) ?? userCandidates(tenant, f.right);
    case 'cmp': {
      if (f.op !== 'eq' || f.value.type !== 'string') return undefined;
      const value = f.value.value;
      const found = (u: SimUser | undefined) => new Set(u ? [u] : []);
      switch (f.property.toLowerCase()) {
        case 'id':
        case 'userprincipalname':
          return found(tenant.findUser(value));
        case 'mail':
          // Only a user with an Exchange address shows a mail; the address index holds exactly them.
          return found(tenant.findUserByAddress(value));
        default:
          return undefined;
      }
    }
    case 'any': {
      const body = f.body;
      if (f.property.toLowerCase() !== 'proxyaddresses' || body.kind !== 'cmp' || body.op !== 'eq' || body.value.type !== 'string') return undefined;
      // The parser names the lambda variable `$it` inside the body.
      if (body.property !== '$it' && body.property !== f.variable) return undefined;
      const m = /^smtp:(.*)$/i.exec(body.value.value);
      return m ? new Set(tenant.findUserByAddress(m[1]!) ? [tenant.findUserByAddress(m[1]!)!] : []) : new Set();
    }
  }
}

/** The users a `/users` request must consider, in the directory's own order. */
function usersFor(tenant: SimContext['tenant'], req: SimRequest): SimUser[] {
  const f = parsedFilter(req);
  const candidates = f ? userCandidates(tenant, f) : undefined;
  if (!candidates) return [...tenant.users];
  return [...candidates].sort((a, b) => userPosition(tenant, a) - userPosition(tenant, b));
}

const positions = new WeakMap<readonly SimUser[], Map<SimUser, number>>();
function userPosition(tenant: SimContext['tenant'], u: SimUser): number {
  let map = positions.get(tenant.users);
  if (!map || map.size !== tenant.users.length) {
    map = new Map(tenant.users.map((user, i) => [user, i]));
    positions.set(tenant.users, map);
  }
  return map.get(u) ?? Number.MAX_SAFE_INTEGER;
}

export function safeEval(f: FilterExpr, get: (p: string) => FilterValue | readonly string[]): boolean {
  try {
    return evaluate(f, get);
  } catch (e) {
    throw odataFault(e);
  }
}

export function registerDirectory(router: SimRouter, ctx: SimContext, handle: Handle): void {
  const tenant = ctx.tenant;

  router.get(
    '/v1.0/users',
    handle(USER_READ, (req) =>
      page(ctx, req, usersFor(tenant, req), {
        filter: (u, f) => safeEval(f, (p) => userValue(u, p)),
        sortKey: (u, p) => String(userValue(u, p) ?? '').toLowerCase(),
        json: (u) => ({ '@odata.type': '#microsoft.graph.user', ...userJson(u) }),
        context: 'users',
        defaultTop: 100,
      }),
    ),
  );

  router.get(
    '/v1.0/users/:user',
    handle([...USER_READ, 'User.Read'], (req, claims) => {
      const u = resolveUser(ctx, req.params.user!, claims, false);
      // User.Read (delegated) reads only the signed-in user's own profile.
      const held = claims.scp ? claims.scp.split(' ') : (claims.roles ?? []);
      if (!USER_READ.some((p) => held.includes(p)) && u.id.toLowerCase() !== claims.oid.toLowerCase())
        throw new GraphFault(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
      const select = selectOption(req);
      return graphJson(200, { '@odata.context': metadata(ctx, `users${select ? `(${select.join(',')})` : ''}/$entity`), ...applySelect(userJson(u), select) });
    }),
  );

  router.get(
    '/v1.0/groups',
    handle(GROUP_READ, (req) =>
      page(ctx, req, [...tenant.groups], {
        filter: (g, f) => safeEval(f, (p) => groupValue(g, p)),
        sortKey: (g, p) => String(p === 'userprincipalname' ? '' : (groupValue(g, p) ?? '')).toLowerCase(),
        json: groupJson,
        context: 'groups',
        defaultTop: 100,
      }),
    ),
  );

  const findGroup = (id: string) => {
    const g = tenant.findGroup(id);
    if (!g) throw new GraphFault(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
    return g;
  };

  router.get(
    '/v1.0/groups/:id',
    handle(GROUP_READ, (req) => {
      const g = findGroup(req.params.id!);
      return graphJson(200, { '@odata.context': metadata(ctx, 'groups/$entity'), ...applySelect(groupJson(g), selectOption(req)) });
    }),
  );

  type Member = { kind: 'user'; user: SimUser } | { kind: 'group'; group: FixtureGroup };
  const members = (id: string): Member[] => {
    const { users, groups } = tenant.groupMembers(findGroup(id).id, true);
    return [...users.map((user): Member => ({ kind: 'user', user })), ...groups.map((group): Member => ({ kind: 'group', group }))];
  };
  // Directory objects listed through a relationship carry their own @odata.id, as Entra writes it.
  const odataId = (id: string, type: 'User' | 'Group') => `${ctx.origin}/v2/${ctx.tenantId}/directoryObjects/${id}/Microsoft.DirectoryServices.${type}`;
  const memberUser = (u: SimUser) => ({ '@odata.id': odataId(u.id, 'User'), ...userJson(u) });
  const memberGroup = (g: FixtureGroup) => ({ '@odata.id': odataId(g.id, 'Group'), organizationId: ctx.tenantId, ...groupJson(g) });
  const memberJson = (m: Member) =>
    m.kind === 'user' ? { '@odata.type': '#microsoft.graph.user', ...memberUser(m.user) } : { '@odata.type': '#microsoft.graph.group', ...memberGroup(m.group) };
  const memberValue = (m: Member, p: string) => (m.kind === 'user' ? userValue(m.user, p) : groupValue(m.group, p));

  router.get(
    '/v1.0/groups/:id/transitiveMembers',
    handle(GROUP_READ, (req) =>
      page(ctx, req, members(req.params.id!), {
        filter: (m, f) => safeEval(f, (p) => memberValue(m, p)),
        sortKey: (m, p) => String(m.kind === 'user' ? (userValue(m.user, p) ?? '') : p === 'userprincipalname' ? '' : (groupValue(m.group, p) ?? '')).toLowerCase(),
        json: memberJson,
        context: 'directoryObjects',
        defaultTop: 100,
        needEventualForFilter: true,
      }),
    ),
  );

  router.get(
    '/v1.0/groups/:id/transitiveMembers/:cast',
    handle(GROUP_READ, (req) => {
      const cast = req.params.cast!.toLowerCase();
      if (cast === '$count') {
        if (!eventual(req)) throw new GraphFault(400, 'Request_BadRequest', 'Count is not currently supported.');
        return { status: 200, headers: { 'content-type': 'text/plain' }, body: String(members(req.params.id!).length) };
      }
      const kind = cast === 'microsoft.graph.user' ? 'user' : cast === 'microsoft.graph.group' ? 'group' : undefined;
      if (!kind) throw new GraphFault(400, 'Request_BadRequest', `Unsupported segment type. ODataQuery: groups/${req.params.id}/transitiveMembers/${req.params.cast}`);
      if (!eventual(req)) throw new GraphFault(400, 'Request_UnsupportedQuery', 'Unsupported query: a type cast on transitiveMembers needs the ConsistencyLevel header set to eventual.');
      return page(ctx, req, members(req.params.id!).filter((m) => m.kind === kind), {
        filter: (m, f) => safeEval(f, (p) => memberValue(m, p)),
        sortKey: (m, p) => String(m.kind === 'user' ? (userValue(m.user, p) ?? '') : p === 'userprincipalname' ? '' : (groupValue(m.group, p) ?? '')).toLowerCase(),
        json: (m) => (m.kind === 'user' ? memberUser(m.user) : memberGroup(m.group)),
        context: kind === 'user' ? 'users' : 'groups',
        defaultTop: 100,
        needEventualForFilter: true,
      });
    }),
  );

  const domainJson = (d: { id: string; isVerified: boolean; isDefault: boolean }) => ({
    authenticationType: 'Managed',
    availabilityStatus: null,
    id: d.id,
    isAdminManaged: true,
    isDefault: d.isDefault,
    isInitial: d.id.toLowerCase() === tenant.initialDomain.toLowerCase(),
    isRoot: true,
    isVerified: d.isVerified,
    passwordNotificationWindowInDays: 14,
    passwordValidityPeriodInDays: 2147483647,
    supportedServices: d.isVerified ? ['Email', 'OfficeCommunicationsOnline'] : [],
    state: null,
  });
  const allDomains = () => {
    const list = [...tenant.domains];
    if (!list.some((d) => d.id.toLowerCase() === tenant.initialDomain.toLowerCase())) list.push({ id: tenant.initialDomain, isVerified: true, isDefault: false });
    return list;
  };
  router.get(
    '/v1.0/domains',
    handle(DOMAIN_READ, (req) => {
      const select = selectOption(req);
      return graphJson(200, { '@odata.context': metadata(ctx, 'domains'), value: allDomains().map((d) => applySelect(domainJson(d), select)) });
    }),
  );
  router.get(
    '/v1.0/domains/:id',
    handle(DOMAIN_READ, (req) => {
      const d = allDomains().find((x) => x.id.toLowerCase() === req.params.id!.toLowerCase());
      if (!d) throw new GraphFault(404, 'Request_ResourceNotFound', `Resource '${req.params.id}' does not exist or one of its queried reference-property objects are not present.`);
      return graphJson(200, { '@odata.context': metadata(ctx, 'domains/$entity'), ...applySelect(domainJson(d), selectOption(req)) });
    }),
  );
}
