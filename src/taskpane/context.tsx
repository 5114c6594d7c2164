// What every view receives: the host, the API client and sign-in, through React context (views
// never import a host adapter or Office/teams-js).
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import type { Me } from '../contracts';
import type { RetractApi } from './api-client';
import { ApiError } from './api-client';
import type { Host, MessageState } from './hosts/host';
import { strings } from './strings';

export interface Services {
  host: Host;
  api: RetractApi;
  /** Interactive sign-in (from a click). */
  signIn: () => Promise<void>;
  /** How often a running job is polled, in ms. */
  pollMs: number;
}

const ServicesContext = createContext<Services | null>(null);

export function ServicesProvider(props: { services: Services; children: ReactNode }) {
  return <ServicesContext.Provider value={props.services}>{props.children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside ServicesProvider');
  return services;
}

/** The message in front of the user, following the host's selection changes. */
export function useHostMessage(host: Host): MessageState {
  const [state, setState] = useState<MessageState>(() => host.message());
  useEffect(() => {
    setState(host.message());
    return host.onMessageChange(setState);
  }, [host]);
  return state;
}

export type Roles = { admin: boolean; auditor: boolean };
export function rolesOf(me: Me): Roles {
  return { admin: me.roles.includes('Retract.Admin'), auditor: me.roles.includes('Retract.Auditor') };
}

/** A sentence for any error a view meets. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.forbidden ? strings.forbidden : error.message;
  if (error instanceof Error && error.message) return error.message;
  return strings.errors.unexpected;
}
