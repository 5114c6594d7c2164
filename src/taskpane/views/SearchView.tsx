// Search: the message trace by sender, recipient, subject and time → results → open one in the
// Retract view. "Retracted" is derived from the jobs and the audit, never written back to either.
import {
  Badge,
  Button,
  Field,
  Input,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
  mergeClasses,
  tokens,
} from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';
import type { AuditPage, JobList, TraceRow } from '../../contracts';
import { Address } from '../components/Address';
import { formatTime } from '../components/MessageCard';
import { StatusBar } from '../components/StatusBar';
import { errorText, useServices } from '../context';
import { strings } from '../strings';
import type { RetractMessage } from './RetractView';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  form: { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(12rem, 1fr))', gap: tokens.spacingHorizontalS, alignItems: 'end' },
  muted: { color: tokens.colorNeutralForeground3 },
  // Results are a table of explicit roles (Fluent's noNativeElements), so the layout can change
  // with the width without losing the table's semantics. Wide: one line per message, columns
  // sized to their content. At a task pane's width (Outlook's is 320–380 px) six columns cannot
  // fit: each message becomes a small card — subject and Open on top, then each value under its
  // own visible label — and the header row is hidden from sight only (screen readers keep it).
  row: {
    display: 'grid',
    gridTemplateColumns: '7.5rem minmax(0, 2fr) minmax(0, 1.5fr) minmax(0, 1.5fr) 6rem 4.5rem',
    gridTemplateAreas: '"received subject sender recipient status open"',
    alignItems: 'center',
    '@media (max-width: 480px)': {
      gridTemplateColumns: 'minmax(0, 1fr) auto',
      gridTemplateAreas: '"subject open" "received received" "sender sender" "recipient recipient" "status status"',
      paddingTop: tokens.spacingVerticalS,
      paddingBottom: tokens.spacingVerticalS,
    },
  },
  header: {
    '@media (max-width: 480px)': {
      position: 'absolute',
      width: '1px',
      height: '1px',
      overflow: 'hidden',
      clipPath: 'inset(50%)',
      whiteSpace: 'nowrap',
    },
  },
  received: { gridArea: 'received' },
  subject: { gridArea: 'subject', '@media (max-width: 480px)': { fontWeight: tokens.fontWeightSemibold } },
  sender: { gridArea: 'sender' },
  recipient: { gridArea: 'recipient' },
  status: { gridArea: 'status' },
  open: { gridArea: 'open' },
  // At narrow widths a card's line is one cell; its height is its text's, not a table row's.
  stacked: { '@media (max-width: 480px)': { minHeight: 'auto', paddingTop: tokens.spacingVerticalXXS, paddingBottom: tokens.spacingVerticalXXS } },
  cellText: { minWidth: 0, overflowWrap: 'anywhere' },
  // The column's name beside each value, shown only where the header row is hidden; the cell is
  // already announced with its column header, so screen readers skip this copy.
  inlineLabel: {
    display: 'none',
    '@media (max-width: 480px)': { display: 'inline', color: tokens.colorNeutralForeground3, marginRight: tokens.spacingHorizontalXS },
  },
});

/** One traced message: its rows (one per recipient) folded together. */
export interface TracedMessage {
  internetMessageId: string;
  subject: string;
  sender: string;
  recipients: string[];
  received: string;
  statuses: string[];
}

export function foldTrace(rows: TraceRow[]): TracedMessage[] {
  const byId = new Map<string, TracedMessage>();
  for (const r of rows) {
    const m = byId.get(r.internetMessageId);
    if (!m) {
      byId.set(r.internetMessageId, {
        internetMessageId: r.internetMessageId,
        subject: r.subject,
        sender: r.senderAddress,
        recipients: [r.recipientAddress],
        received: r.received,
        statuses: [r.status],
      });
    } else {
      if (!m.recipients.includes(r.recipientAddress)) m.recipients.push(r.recipientAddress);
      if (!m.statuses.includes(r.status)) m.statuses.push(r.status);
      if (r.received < m.received) m.received = r.received;
    }
  }
  return [...byId.values()];
}

/**
 * Message ids a job removed and nobody undid: completed or partial jobs other than undo, from the
 * job list, plus the audit's job outcomes for jobs the list no longer holds.
 */
export function retractedIds(jobs: JobList | undefined, audit: AuditPage | undefined): Set<string> {
  const ids = new Set<string>();
  const undone = new Set<string>();
  const known = new Set<string>();
  for (const j of jobs?.jobs ?? []) {
    known.add(j.jobId);
    if (j.undoOf) undone.add(j.undoOf);
    if (j.undoneBy) undone.add(j.jobId);
  }
  for (const j of jobs?.jobs ?? []) {
    if (j.action !== 'undo' && (j.status === 'completed' || j.status === 'partial') && !undone.has(j.jobId) && j.internetMessageId) ids.add(j.internetMessageId);
  }
  for (const r of audit?.records ?? []) {
    if (r.event === 'undo' && typeof r.options?.undoOf === 'string') undone.add(r.options.undoOf);
  }
  for (const r of audit?.records ?? []) {
    if (r.event !== 'job' || !r.internetMessageId || !r.jobId || known.has(r.jobId) || undone.has(r.jobId)) continue;
    if (r.phase !== 'intent' && (r.outcome === 'completed' || r.outcome === 'partial')) ids.add(r.internetMessageId);
  }
  return ids;
}

type State = { status: 'idle' } | { status: 'loading' } | { status: 'done'; messages: TracedMessage[]; truncated: boolean; retracted: Set<string> } | { status: 'error'; error: unknown };

export function SearchView(props: { onOpen?: (message: RetractMessage) => void }) {
  const s = useStyles();
  const { api } = useServices();
  const [form, setForm] = useState({ sender: '', recipient: '', subject: '', since: '', until: '' });
  const [state, setState] = useState<State>({ status: 'idle' });
  const [hint, setHint] = useState(false);

  const search = async (e: FormEvent) => {
    e.preventDefault();
    if (!form.sender.trim() && !form.recipient.trim() && !form.subject.trim()) {
      setHint(true);
      return;
    }
    setHint(false);
    setState({ status: 'loading' });
    try {
      const q = Object.fromEntries(Object.entries(form).map(([k, v]) => [k, v.trim() || undefined]));
      // The badge is a nicety: a trace still shows when the jobs or audit cannot be read.
      const [trace, jobs, audit] = await Promise.all([
        api.trace(q),
        api.jobs(form.since.trim() || undefined).catch(() => undefined),
        api.audit({ section: 'Retract', ...(form.since.trim() ? { since: form.since.trim() } : {}) }).catch(() => undefined),
      ]);
      setState({ status: 'done', messages: foldTrace(trace.rows), truncated: trace.truncated === true, retracted: retractedIds(jobs, audit) });
    } catch (error) {
      setState({ status: 'error', error });
    }
  };

  const field = (key: keyof typeof form, label: string, type: 'text' | 'date' = 'text') => (
    <Field label={label}>
      <Input type={type} value={form[key]} onChange={(_, d) => setForm((f) => ({ ...f, [key]: d.value }))} />
    </Field>
  );

  return (
    <div className={s.root}>
      <form className={s.form} onSubmit={search} aria-label={strings.search.heading}>
        {field('sender', strings.search.sender)}
        {field('recipient', strings.search.recipient)}
        {field('subject', strings.search.subject)}
        {field('since', strings.search.since, 'date')}
        {field('until', strings.search.until, 'date')}
        <Button type="submit" appearance="primary" disabled={state.status === 'loading'}>
          {strings.search.search}
        </Button>
      </form>
      {hint ? <StatusBar intent="info">{strings.search.needOne}</StatusBar> : null}
      {state.status === 'loading' ? <Spinner size="small" label={strings.search.searching} /> : null}
      {state.status === 'error' ? <StatusBar intent="error">{errorText(state.error)}</StatusBar> : null}
      {state.status === 'done' && state.messages.length === 0 ? <StatusBar intent="info">{strings.search.empty}</StatusBar> : null}
      {state.status === 'done' && state.messages.length ? (
        <Table aria-label={strings.search.results} size="small" noNativeElements>
          <TableHeader className={s.header}>
            <TableRow className={s.row}>
              <TableHeaderCell className={s.received}>{strings.search.received}</TableHeaderCell>
              <TableHeaderCell className={s.subject}>{strings.search.subject}</TableHeaderCell>
              <TableHeaderCell className={s.sender}>{strings.search.sender}</TableHeaderCell>
              <TableHeaderCell className={s.recipient}>{strings.search.recipient}</TableHeaderCell>
              <TableHeaderCell className={s.status}>{strings.search.status}</TableHeaderCell>
              {props.onOpen ? <TableHeaderCell className={s.open}>{strings.search.openButton}</TableHeaderCell> : null}
            </TableRow>
          </TableHeader>
          <TableBody>
            {state.messages.map((m) => (
              <TableRow key={m.internetMessageId} className={s.row}>
                <TableCell className={mergeClasses(s.received, s.stacked)}>
                  <span className={s.cellText}>
                    <span className={s.inlineLabel} aria-hidden>
                      {strings.search.received}
                    </span>
                    {formatTime(m.received)}
                  </span>
                </TableCell>
                <TableCell className={mergeClasses(s.subject, s.stacked)}>
                  <span className={s.cellText}>
                    {m.subject || strings.message.noSubject}{' '}
                    {state.retracted.has(m.internetMessageId) ? (
                      <Badge appearance="filled" color="danger">
                        {strings.search.retracted}
                      </Badge>
                    ) : null}
                  </span>
                </TableCell>
                <TableCell className={mergeClasses(s.sender, s.stacked)}>
                  <span className={s.cellText}>
                    <span className={s.inlineLabel} aria-hidden>
                      {strings.search.sender}
                    </span>
                    <Address address={m.sender} />
                  </span>
                </TableCell>
                <TableCell className={mergeClasses(s.recipient, s.stacked)}>
                  <span className={s.cellText}>
                    <span className={s.inlineLabel} aria-hidden>
                      {strings.search.recipient}
                    </span>
                    {m.recipients.join(', ')}
                  </span>
                </TableCell>
                <TableCell className={mergeClasses(s.status, s.stacked)}>
                  <span className={s.cellText}>
                    <span className={s.inlineLabel} aria-hidden>
                      {strings.search.status}
                    </span>
                    {m.statuses.join(', ')}
                  </span>
                </TableCell>
                {props.onOpen ? (
                  <TableCell className={mergeClasses(s.open, s.stacked)}>
                    <Button
                      size="small"
                      aria-label={strings.search.open(m.subject || strings.message.noSubject)}
                      onClick={() =>
                        props.onOpen?.({
                          internetMessageId: m.internetMessageId,
                          subject: m.subject,
                          from: { address: m.sender },
                          date: m.received,
                          to: m.recipients.map((address) => ({ address })),
                        })
                      }
                    >
                      {strings.search.openButton}
                    </Button>
                  </TableCell>
                ) : null}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      ) : null}
      {state.status === 'done' && state.truncated ? <Text className={s.muted}>{strings.search.truncated}</Text> : null}
    </div>
  );
}

export default SearchView;
