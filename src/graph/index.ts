/**
 * The Graph room: the gateway to Microsoft Graph (or the simulated tenant) and the retraction
 * engine built on it — lookup, act, undo.
 */
export { createGraphGateway, GraphGateway, GRAPH_SCOPE, type GraphGatewayOptions, type OpOptions, type Result } from './graph-gateway';
export { lookup, type LookupEnv } from './lookup';
export { act, undo, type ActItem, type ActOptions, type UndoItem, type ActResult } from './act';
export { InvalidInputError, lookupInputSchema, type LookupInput } from './lookup-input';
export { GraphRequestError } from './graph-errors';
export { RequestScheduler, MAX_BATCH_SIZE, PER_MAILBOX_CONCURRENCY } from './request-scheduler';
export type { GraphCall, GraphResponse, GraphTransport, RequestMeter } from './graph-http';
export { createAppTokenProvider, createConfidentialClient, type AppCredentials } from './app-token-provider';
