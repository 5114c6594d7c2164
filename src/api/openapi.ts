/**
 * The OpenAPI 3.1 document of the API, generated from the same zod schemas (src/contracts) that
 * validate requests, so the document cannot drift from what the API accepts.
 */
import { z } from 'zod';
import {
  auditPageSchema,
  auditQuerySchema,
  auditVerifySchema,
  domainsSettingsSchema,
  jobAcceptedSchema,
  jobListQuerySchema,
  jobListSchema,
  jobRequestSchema,
  jobSchema,
  lookupRequestSchema,
  lookupSchema,
  meSchema,
  omeQuerySchema,
  omeRevokeRequestSchema,
  omeRevokeSchema,
  omeStatusSchema,
  problemSchema,
  setupSchema,
  traceQuerySchema,
  traceSchema,
} from '../contracts';

interface Operation {
  method: 'get' | 'post' | 'put';
  path: string;
  summary: string;
  roles: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  ok: { status: number; schema: z.ZodType };
  public?: boolean;
}

const healthSchema = z.object({ status: z.literal('ok') });

const OPERATIONS: Operation[] = [
  { method: 'get', path: '/health', summary: 'Is the API up', roles: 'none', ok: { status: 200, schema: healthSchema }, public: true },
  { method: 'get', path: '/openapi.json', summary: 'This document', roles: 'none', ok: { status: 200, schema: z.object({}).loose() }, public: true },
  { method: 'get', path: '/me', summary: 'Who the API thinks the caller is', roles: 'any signed-in caller', ok: { status: 200, schema: meSchema } },
  { method: 'post', path: '/lookups', summary: 'Preview every copy, forward and reply of a message (kept 24 hours)', roles: 'Retract.Admin', body: lookupRequestSchema, ok: { status: 200, schema: lookupSchema } },
  { method: 'post', path: '/jobs', summary: "Act on exactly one lookup's targets", roles: 'Retract.Admin', body: jobRequestSchema, ok: { status: 202, schema: jobAcceptedSchema } },
  { method: 'get', path: '/jobs', summary: 'Recent jobs', roles: 'Retract.Admin, Retract.Auditor', query: jobListQuerySchema, ok: { status: 200, schema: jobListSchema } },
  { method: 'get', path: '/jobs/{jobId}', summary: 'A job, its counts and per-target outcomes', roles: 'Retract.Admin, Retract.Auditor', ok: { status: 200, schema: jobSchema } },
  { method: 'post', path: '/jobs/{jobId}/undo', summary: 'Undo a soft delete or a move (a job of its own)', roles: 'Retract.Admin', ok: { status: 202, schema: jobAcceptedSchema } },
  { method: 'post', path: '/jobs/{jobId}/cancel', summary: 'Cancel a job; work not yet started stays pending', roles: 'Retract.Admin', ok: { status: 202, schema: jobAcceptedSchema } },
  { method: 'get', path: '/ome', summary: 'OME status of a message', roles: 'Retract.Admin, or its sender (single recipient)', query: omeQuerySchema, ok: { status: 200, schema: omeStatusSchema } },
  { method: 'post', path: '/ome/revoke', summary: 'Revoke an OME message', roles: 'Retract.Admin, or its sender (single recipient)', body: omeRevokeRequestSchema, ok: { status: 200, schema: omeRevokeSchema } },
  { method: 'get', path: '/trace', summary: 'Message trace search', roles: 'Retract.Admin, Retract.Auditor', query: traceQuerySchema, ok: { status: 200, schema: traceSchema } },
  { method: 'get', path: '/audit', summary: 'Search the audit', roles: 'Retract.Admin, Retract.Auditor', query: auditQuerySchema, ok: { status: 200, schema: auditPageSchema } },
  { method: 'get', path: '/audit/verify', summary: "Walk the audit's hash chain and outcome digests", roles: 'Retract.Admin, Retract.Auditor', ok: { status: 200, schema: auditVerifySchema } },
  { method: 'get', path: '/setup', summary: 'Admin consent, domains and permissions', roles: 'Retract.Admin', ok: { status: 200, schema: setupSchema } },
  { method: 'put', path: '/settings/domains', summary: 'Set the managed domains', roles: 'Retract.Admin', body: domainsSettingsSchema, ok: { status: 200, schema: domainsSettingsSchema } },
];

type Json = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const s = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete s.$schema;
  return s;
}

let cached: Json | undefined;

export function openApiDocument(): Json {
  if (cached) return cached;
  const problem = { description: 'A problem (RFC 9457)', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
  const paths: Record<string, Json> = {};
  for (const op of OPERATIONS) {
    const parameters: Json[] = [];
    if (op.path.includes('{jobId}')) parameters.push({ name: 'jobId', in: 'path', required: true, schema: { type: 'string' } });
    if (op.query) {
      const shape = schemaOf(op.query, 'input') as { properties?: Record<string, Json>; required?: string[] };
      for (const [name, schema] of Object.entries(shape.properties ?? {})) {
        parameters.push({ name, in: 'query', required: shape.required?.includes(name) ?? false, schema });
      }
    }
    const responses: Json = {
      [String(op.ok.status)]: { description: 'OK', content: { 'application/json': { schema: schemaOf(op.ok.schema, 'output') } } },
      '400': problem,
      ...(op.public ? {} : { '401': problem, '403': problem }),
      ...(op.body ? { '413': problem, '415': problem } : {}),
    };
    paths[op.path] = {
      ...(paths[op.path] ?? {}),
      [op.method]: {
        summary: op.summary,
        description: `Who may call it: ${op.roles}.`,
        ...(op.public ? { security: [] } : {}),
        ...(parameters.length ? { parameters } : {}),
        ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(op.body, 'input') } } } } : {}),
        responses,
      },
    };
  }
  cached = {
    openapi: '3.1.0',
    info: { title: 'Retract API', version: '1.0.0', description: 'Take back email after delivery. Every route but health and this document needs a bearer token.' },
    servers: [{ url: '/api' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Problem: schemaOf(problemSchema, 'output') },
    },
    security: [{ bearer: [] }],
    paths,
  };
  return cached;
}
