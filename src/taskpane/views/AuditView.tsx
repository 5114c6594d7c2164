// Audit: search the append-only log by section, actor, message id and time; each entry expands to
// its details; the hash chain's verification is shown as a badge.
import {
  Accordion,
  AccordionHeader,
  AccordionItem,
  AccordionPanel,
  Badge,
  Button,
  Field,
  Input,
  Select,
  Spinner,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { AuditQuery, AuditRecord, AuditVerify } from '../../contracts';
import { formatTime } from '../components/MessageCard';
import { StatusBar } from '../components/StatusBar';
import { errorText, useServices } from '../context';
import { strings } from '../strings';

const SECTIONS = ['Retract', 'Revoke', 'Setup', 'Access'] as const;

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  form: { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(12rem, 1fr))', gap: tokens.spacingHorizontalS, alignItems: 'end' },
  details: { display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: tokens.spacingHorizontalM, margin: 0 },
  value: { margin: 0, overflowWrap: 'anywhere' },
  pair: { display: 'contents' },
  term: { color: tokens.colorNeutralForeground3 },
});

type Verify = { status: 'loading' } | { status: 'done'; verify: AuditVerify } | { status: 'error'; error: unknown };
type Records = { status: 'loading' } | { status: 'done'; records: AuditRecord[]; nextCursor: string | null; more: boolean } | { status: 'error'; error: unknown };

function actorName(r: AuditRecord): string {
  return r.actor.upn ?? r.actor.name ?? r.actor.app ?? r.actor.oid ?? '';
}

function Details(props: { record: AuditRecord }) {
  const s = useStyles();
  const r = props.record;
  const rows: [string, string | undefined][] = [
    [strings.audit.when, r.time],
    [strings.audit.section, r.section],
    [strings.audit.what, r.phase ? `${r.event} (${r.phase})` : r.event],
    [strings.audit.actor, actorName(r)],
    [strings.audit.internetMessageId, r.internetMessageId],
    ['lookupId', r.lookupId],
    ['jobId', r.jobId],
    [strings.audit.outcome, r.outcome],
    [strings.audit.details, r.detail],
    ['count', r.count?.toString()],
    ['options', r.options ? JSON.stringify(r.options) : undefined],
    ['outcomesDigest', r.outcomesDigest],
    ['prevHash', r.prevHash],
    ['hash', r.hash],
  ];
  return (
    <dl className={s.details}>
      {rows
        .filter(([, v]) => v)
        .map(([k, v]) => (
          <div key={k} className={s.pair}>
            <dt className={s.term}>{k}</dt>
            <dd className={s.value}>{v}</dd>
          </div>
        ))}
    </dl>
  );
}

export function AuditView() {
  const s = useStyles();
  const { api } = useServices();
  const [form, setForm] = useState({ section: '', actor: '', internetMessageId: '', since: '', until: '' });
  const [records, setRecords] = useState<Records>({ status: 'loading' });
  const [verify, setVerify] = useState<Verify>({ status: 'loading' });
  const [query, setQuery] = useState<Partial<AuditQuery>>({});

  const load = useCallback(
    async (q: Partial<AuditQuery>, append?: { records: AuditRecord[]; cursor: string }) => {
      if (append) setRecords({ status: 'done', records: append.records, nextCursor: null, more: true });
      else setRecords({ status: 'loading' });
      try {
        const page = await api.audit(append ? { ...q, cursor: append.cursor } : q);
        setRecords({ status: 'done', records: [...(append?.records ?? []), ...page.records], nextCursor: page.nextCursor, more: false });
      } catch (error) {
        setRecords({ status: 'error', error });
      }
    },
    [api],
  );

  useEffect(() => {
    void load({});
    api.auditVerify().then(
      (v) => setVerify({ status: 'done', verify: v }),
      (error: unknown) => setVerify({ status: 'error', error }),
    );
  }, [api, load]);

  const search = (e: FormEvent) => {
    e.preventDefault();
    const q = Object.fromEntries(Object.entries(form).filter(([, v]) => v.trim()).map(([k, v]) => [k, v.trim()])) as Partial<AuditQuery>;
    setQuery(q);
    void load(q);
  };

  const text = (key: 'actor' | 'internetMessageId' | 'since' | 'until', label: string, type: 'text' | 'date' = 'text') => (
    <Field label={label}>
      <Input type={type} value={form[key]} onChange={(_, d) => setForm((f) => ({ ...f, [key]: d.value }))} />
    </Field>
  );

  return (
    <div className={s.root}>
      <div role="status">
        {verify.status === 'loading' ? <Spinner size="tiny" label={strings.audit.verifying} /> : null}
        {verify.status === 'done' ? (
          verify.verify.ok ? (
            <Badge appearance="filled" color="success">{strings.audit.verified(verify.verify.records)}</Badge>
          ) : (
            <Badge appearance="filled" color="danger">{strings.audit.broken(String(verify.verify.brokenAt ?? '?'))}</Badge>
          )
        ) : null}
        {verify.status === 'error' ? (
          <Badge appearance="outline" color="warning">{`${strings.audit.verifyFailed} ${errorText(verify.error)}`}</Badge>
        ) : null}
      </div>
      <form className={s.form} onSubmit={search} aria-label={strings.audit.heading}>
        <Field label={strings.audit.section}>
          <Select value={form.section} onChange={(_, d) => setForm((f) => ({ ...f, section: d.value }))}>
            <option value="">{strings.audit.anySection}</option>
            {SECTIONS.map((x) => (
              <option key={x} value={x}>
                {x}
              </option>
            ))}
          </Select>
        </Field>
        {text('actor', strings.audit.actor)}
        {text('internetMessageId', strings.audit.internetMessageId)}
        {text('since', strings.audit.since, 'date')}
        {text('until', strings.audit.until, 'date')}
        <Button type="submit" appearance="primary" disabled={records.status === 'loading'}>
          {strings.audit.search}
        </Button>
      </form>
      {records.status === 'loading' ? <Spinner size="small" label={strings.loading} /> : null}
      {records.status === 'error' ? <StatusBar intent="error">{errorText(records.error)}</StatusBar> : null}
      {records.status === 'done' && records.records.length === 0 ? <StatusBar intent="info">{strings.audit.empty}</StatusBar> : null}
      {records.status === 'done' && records.records.length ? (
        <Accordion multiple collapsible aria-label={strings.audit.entries}>
          {records.records.map((r) => (
            <AccordionItem key={r.seq} value={r.seq}>
              <AccordionHeader>
                <Text>
                  {formatTime(r.time)} · {r.section} · {r.event}
                  {r.outcome ? ` · ${r.outcome}` : ''} · {actorName(r)}
                </Text>
              </AccordionHeader>
              <AccordionPanel>
                <Details record={r} />
              </AccordionPanel>
            </AccordionItem>
          ))}
        </Accordion>
      ) : null}
      {records.status === 'done' && records.nextCursor ? (
        <Button disabled={records.more} onClick={() => void load(query, { records: records.records, cursor: records.nextCursor ?? '' })}>
          {strings.audit.more}
        </Button>
      ) : null}
    </div>
  );
}

export default AuditView;
