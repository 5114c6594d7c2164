/** The Exchange Online admin room: InvokeCommand for OME status and revoke, and message trace. */
export {
  createExchangeGateway,
  ExchangeCommandError,
  exchangeErrorFrom,
  TRACE_RETENTION_DAYS,
  TRACE_WINDOW_DAYS,
  type ExchangeGateway,
  type ExchangeGatewayOptions,
  type OmeStatus,
  type TraceQuery,
  type TraceRow,
} from './exchange-gateway';
export { EXCHANGE_SCOPE, type ExchangeCredentials } from './app-token';
