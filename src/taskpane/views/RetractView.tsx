// Retract: find every copy of the message (and the forwards and replies it spawned), show exactly
// what will be removed, then act on exactly that — deliberately, visibly, undoably.
import {
  Badge,
  Button,
  Checkbox,
  DataGrid,
  DataGridBody,
  DataGridCell,
  DataGridHeader,
  DataGridHeaderCell,
  DataGridRow,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  Select,
  Slider,
  Spinner,
  Subtitle2,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  createTableColumn,
  makeStyles,
  mergeClasses,
  tokens,
  type TableColumnDefinition,
} from '@fluentui/react-components';
import { useMemo, useState } from 'react';
import { ACTIONS } from '../../core';
import type { Action, Ambiguous, Lookup, Target } from '../../contracts';
import { Address } from '../components/Address';
import { MessageCard, type MessageSummary } from '../components/MessageCard';
import { JobProgress } from '../components/JobProgress';
import { SpreadTree } from '../components/SpreadTree';
import { StatusBar } from '../components/StatusBar';
import { errorText, useServices } from '../context';
import { strings } from '../strings';
import { TERMINAL, useJob } from './useJob';

export interface RetractMessage extends MessageSummary {
  to?: { address: string }[];
  cc?: { address: string }[];
}

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  row: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap', alignItems: 'end' },
  grow: { flexGrow: 1 },
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  muted: { color: tokens.colorNeutralForeground3 },
  // The targets grid lays each row out on one CSS grid so columns line up however long an address
  // is. At a task pane's width (Outlook's is 320–380 px) a row stacks onto two lines — mailbox and
  // state above, folder and depth below — and the header stacks the same way, so every value keeps
  // its label and nothing overlaps.
  targetRow: {
    display: 'grid',
    gridTemplateColumns: '4rem minmax(0, 3fr) minmax(0, 2fr) 3.5rem 5rem',
    gridTemplateAreas: '"include mailbox folder depth read"',
    alignItems: 'center',
    '@media (max-width: 480px)': {
      gridTemplateColumns: '4rem minmax(0, 1fr) 4.5rem',
      gridTemplateAreas: '"include mailbox read" "include folder depth"',
    },
  },
  include: { gridArea: 'include' },
  mailbox: { gridArea: 'mailbox', '@media (max-width: 480px)': { alignSelf: 'end' } },
  folder: { gridArea: 'folder', '@media (max-width: 480px)': { alignSelf: 'start' } },
  depth: { gridArea: 'depth', '@media (max-width: 480px)': { alignSelf: 'start' } },
  read: { gridArea: 'read', '@media (max-width: 480px)': { alignSelf: 'end' } },
  // Two lines of one row are one item: half a cell's usual height each, so a row stays compact.
  stacked: {
    '@media (max-width: 480px)': { minHeight: '24px', paddingTop: tokens.spacingVerticalXXS, paddingBottom: tokens.spacingVerticalXXS },
  },
  // Long words (a folder's name, a reason) wrap inside their cell rather than under the next one.
  wrap: { minWidth: 0, overflowWrap: 'anywhere' },
  checkColumn: { width: '4.5rem' },
});

type TargetColumn = 'include' | 'mailbox' | 'folder' | 'depth' | 'read';


const folderName = (folder: string | undefined) => (folder ? (strings.folders[folder] ?? folder) : '');

type LookupState = { status: 'idle' } | { status: 'loading' } | { status: 'done'; lookup: Lookup } | { status: 'error'; error: unknown };

export function RetractView(props: { message: RetractMessage | null; noMessageText?: string; canType: boolean }) {
  const s = useStyles();
  const { api, pollMs } = useServices();
  const [typed, setTyped] = useState('');
  const [typedMessage, setTypedMessage] = useState<RetractMessage | null>(null);
  const message = props.message ?? typedMessage;

  const [depth, setDepth] = useState(1);
  const [action, setAction] = useState<Action>('soft-delete');
  const [includeSenderCopy, setIncludeSenderCopy] = useState(false);
  const [lookupState, setLookupState] = useState<LookupState>({ status: 'idle' });
  const [excluded, setExcluded] = useState<Set<string>>(new Set());
  const [included, setIncluded] = useState<Set<string>>(new Set());
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const [jobId, setJobId] = useState<string>();
  const [undoJobId, setUndoJobId] = useState<string>();
  const [actionError, setActionError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const { job, error: jobError, reconnecting: jobReconnecting } = useJob(api, jobId, pollMs);
  const { job: undoJob, error: undoError, reconnecting: undoReconnecting } = useJob(api, undoJobId, pollMs);

  const findCopies = async () => {
    if (!message) return;
    setLookupState({ status: 'loading' });
    setJobId(undefined);
    setUndoJobId(undefined);
    setActionError(undefined);
    const recipients = [...(message.to ?? []), ...(message.cc ?? [])].map((a) => a.address).slice(0, 1000);
    try {
      const lookup = await api.lookup({
        internetMessageId: message.internetMessageId,
        depth,
        includeSenderCopy,
        ...(message.from ? { sender: message.from.address } : {}),
        ...(recipients.length ? { recipients } : {}),
      });
      setExcluded(new Set());
      setIncluded(new Set()); // ambiguous forwards are never ticked by default
      setLookupState({ status: 'done', lookup });
    } catch (error) {
      setLookupState({ status: 'error', error });
    }
  };

  const lookup = lookupState.status === 'done' ? lookupState.lookup : undefined;
  const selected = useMemo(() => {
    if (!lookup) return [] as { mailbox: string; messageId: string }[];
    return [...lookup.targets.filter((t) => !excluded.has(t.messageId)), ...lookup.ambiguous.filter((a) => included.has(a.messageId))];
  }, [lookup, excluded, included]);
  const mailboxes = new Set(selected.map((t) => t.mailbox)).size;

  const toggle = (set: Set<string>, id: string, on: boolean) => {
    const next = new Set(set);
    if (on) next.add(id);
    else next.delete(id);
    return next;
  };

  const start = async () => {
    if (!lookup) return;
    setBusy(true);
    setActionError(undefined);
    try {
      const exclude = lookup.targets.filter((t) => excluded.has(t.messageId)).map((t) => t.messageId);
      const include = lookup.ambiguous.filter((a) => included.has(a.messageId)).map((a) => a.messageId);
      const accepted = await api.startJob({
        lookupId: lookup.lookupId,
        action,
        ...(exclude.length ? { exclude } : {}),
        ...(include.length ? { include } : {}),
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
      setConfirming(false);
      setJobId(accepted.jobId);
    } catch (error) {
      setConfirming(false);
      setActionError(error);
    } finally {
      setBusy(false);
    }
  };

  const cancel = async (id: string) => {
    setBusy(true);
    try {
      await api.cancel(id);
    } catch (error) {
      setActionError(error);
    } finally {
      setBusy(false);
    }
  };

  const undo = async () => {
    if (!jobId) return;
    setBusy(true);
    setActionError(undefined);
    try {
      setUndoJobId((await api.undo(jobId)).jobId);
    } catch (error) {
      setActionError(error);
    } finally {
      setBusy(false);
    }
  };

  const targetColumns: TableColumnDefinition<Target>[] = [
    createTableColumn<Target>({
      columnId: 'include',
      renderHeaderCell: () => strings.retract.include,
      renderCell: (t) => (
        <Checkbox
          aria-label={strings.retract.includeRow(t.mailbox, folderName(t.folder))}
          checked={!excluded.has(t.messageId)}
          disabled={jobId !== undefined}
          onChange={(_, d) => setExcluded((x) => toggle(x, t.messageId, !d.checked))}
        />
      ),
    }),
    createTableColumn<Target>({ columnId: 'mailbox', renderHeaderCell: () => strings.retract.mailbox, renderCell: (t) => <Address address={t.mailbox} /> }),
    createTableColumn<Target>({
      columnId: 'folder',
      renderHeaderCell: () => strings.retract.folder,
      renderCell: (t) => (
        <span className={s.wrap} title={folderName(t.folder)}>
          {folderName(t.folder)}
        </span>
      ),
    }),
    createTableColumn<Target>({ columnId: 'depth', renderHeaderCell: () => strings.retract.depth, renderCell: (t) => String(t.depth) }),
    createTableColumn<Target>({
      columnId: 'read',
      renderHeaderCell: () => strings.retract.readState,
      renderCell: (t) => (t.isRead ? strings.retract.read : <Badge appearance="tint" color="brand">{strings.retract.unread}</Badge>),
    }),
  ];

  if (!message) {
    return (
      <div className={s.root}>
        {props.noMessageText ? <StatusBar intent="info">{props.noMessageText}</StatusBar> : null}
        {props.canType ? (
          <div className={s.row}>
            <Field className={s.grow} label={strings.retract.typeId} hint={strings.retract.typeIdHint}>
              <Input value={typed} onChange={(_, d) => setTyped(d.value)} />
            </Field>
            <Button
              appearance="primary"
              disabled={!/^<[^\s<>]*@[^\s<>]*>$/.test(typed.trim())}
              onClick={() => setTypedMessage({ internetMessageId: typed.trim() })}
            >
              {strings.retract.open}
            </Button>
          </div>
        ) : null}
      </div>
    );
  }

  const running = job !== undefined && !TERMINAL.has(job.status);
  const canUndo = job !== undefined && ['completed', 'partial'].includes(job.status) && job.action !== 'hard-delete' && job.action !== 'undo' && !undoJobId;

  return (
    <div className={s.root}>
      <MessageCard message={message} />
      <div className={s.section}>
        <Field label={`${strings.retract.depth}: ${depth}`} hint={strings.retract.depthHint(depth)}>
          <Slider min={0} max={5} step={1} value={depth} onChange={(_, d) => setDepth(d.value)} disabled={jobId !== undefined} />
        </Field>
        <Field label={strings.retract.action}>
          <Select value={action} onChange={(_, d) => setAction(d.value as Action)} disabled={jobId !== undefined}>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {strings.retract.actions[a]}
              </option>
            ))}
          </Select>
        </Field>
        <Checkbox label={strings.retract.includeSenderCopy} checked={includeSenderCopy} onChange={(_, d) => setIncludeSenderCopy(d.checked === true)} disabled={jobId !== undefined} />
        <div className={s.row}>
          <Button appearance={lookup ? 'secondary' : 'primary'} onClick={findCopies} disabled={lookupState.status === 'loading' || running}>
            {lookup && !jobId ? strings.retract.findCopies : jobId ? strings.retract.newLookup : strings.retract.findCopies}
          </Button>
        </div>
      </div>

      {lookupState.status === 'loading' ? <Spinner size="small" label={strings.retract.finding} /> : null}
      {lookupState.status === 'error' ? <StatusBar intent="error">{errorText(lookupState.error)}</StatusBar> : null}

      {lookup ? (
        <>
          <section className={s.section} aria-label={strings.retract.targetsTable}>
            <Subtitle2 as="h2">{strings.retract.targetsHeading(lookup.targets.length, new Set(lookup.targets.map((t) => t.mailbox)).size)}</Subtitle2>
            {lookup.targets.length === 0 ? (
              <StatusBar intent="info">{strings.retract.noTargets}</StatusBar>
            ) : (
              <>
                <div className={s.row}>
                  <Button size="small" onClick={() => setExcluded(new Set())} disabled={jobId !== undefined}>
                    {strings.retract.selectAll}
                  </Button>
                  <Button size="small" onClick={() => setExcluded(new Set(lookup.targets.map((t) => t.messageId)))} disabled={jobId !== undefined}>
                    {strings.retract.selectNone}
                  </Button>
                  <Text className={s.muted}>{strings.retract.selectedCount(selected.length, lookup.targets.length + lookup.ambiguous.length)}</Text>
                </div>
                <DataGrid items={lookup.targets} columns={targetColumns} getRowId={(t: Target) => t.messageId} focusMode="none" aria-label={strings.retract.targetsTable} size="small">
                  <DataGridHeader>
                    <DataGridRow className={s.targetRow}>
                      {({ renderHeaderCell, columnId }) => <DataGridHeaderCell className={mergeClasses(s[columnId as TargetColumn], columnId !== 'include' && s.stacked)}>{renderHeaderCell()}</DataGridHeaderCell>}
                    </DataGridRow>
                  </DataGridHeader>
                  <DataGridBody<Target>>
                    {({ item, rowId }) => (
                      <DataGridRow<Target> key={rowId} className={s.targetRow}>
                        {({ renderCell, columnId }) => <DataGridCell className={mergeClasses(s[columnId as TargetColumn], columnId !== 'include' && s.stacked)}>{renderCell(item)}</DataGridCell>}
                      </DataGridRow>
                    )}
                  </DataGridBody>
                </DataGrid>
              </>
            )}
          </section>

          {lookup.ambiguous.length ? (
            <section className={s.section} aria-label={strings.retract.ambiguousHeading}>
              <Subtitle2 as="h2">{strings.retract.ambiguousHeading}</Subtitle2>
              <Text>{strings.retract.ambiguousIntro}</Text>
              <Table aria-label={strings.retract.ambiguousTable} size="small">
                <TableHeader>
                  <TableRow>
                    <TableHeaderCell className={s.checkColumn}>{strings.retract.include}</TableHeaderCell>
                    <TableHeaderCell>{strings.retract.mailbox}</TableHeaderCell>
                    <TableHeaderCell>{strings.retract.why}</TableHeaderCell>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {lookup.ambiguous.map((a: Ambiguous) => (
                    <TableRow key={a.messageId}>
                      <TableCell>
                        <Checkbox
                          aria-label={strings.retract.includeRow(a.mailbox, folderName(a.folder ?? 'sentitems'))}
                          checked={included.has(a.messageId)}
                          disabled={jobId !== undefined}
                          onChange={(_, d) => setIncluded((x) => toggle(x, a.messageId, d.checked === true))}
                        />
                      </TableCell>
                      <TableCell>
                        <Address address={a.mailbox} />
                      </TableCell>
                      <TableCell>
                        <span className={s.wrap}>{a.why}</span>
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </section>
          ) : null}

          {lookup.skipped.length ? (
            <section className={s.section} aria-label={strings.retract.skippedHeading}>
              <Subtitle2 as="h2">{strings.retract.skippedHeading}</Subtitle2>
              <Table aria-label={strings.retract.skippedTable} size="small">
                <TableHeader>
                  <TableRow>
                    <TableHeaderCell>{strings.retract.address}</TableHeaderCell>
                    <TableHeaderCell>{strings.retract.reason}</TableHeaderCell>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {lookup.skipped.map((k) => (
                    <TableRow key={k.address}>
                      <TableCell>
                        <Address address={k.address} />
                      </TableCell>
                      <TableCell>
                        <span className={s.wrap}>{strings.skipReasons[k.reason] ?? k.reason}</span>
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </section>
          ) : null}

          {lookup.targets.length ? (
            <section className={s.section} aria-label={strings.retract.spreadHeading}>
              <Subtitle2 as="h2">{strings.retract.spreadHeading}</Subtitle2>
              <SpreadTree lookup={lookup} />
            </section>
          ) : null}

          {!jobId && (lookup.targets.length || lookup.ambiguous.length) ? (
            <div className={s.row}>
              <Button appearance="primary" disabled={selected.length === 0 || busy} onClick={() => setConfirming(true)}>
                {strings.retract.retract}
              </Button>
              {selected.length === 0 ? <Text className={s.muted}>{strings.retract.nothingSelected}</Text> : null}
            </div>
          ) : null}
        </>
      ) : null}

      {actionError ? <StatusBar intent="error">{errorText(actionError)}</StatusBar> : null}
      {jobId && !job && !jobError ? <Spinner size="small" label={strings.retract.jobStatus.queued} /> : null}
      {jobError ? <StatusBar intent="error">{errorText(jobError)}</StatusBar> : null}
      {jobReconnecting || undoReconnecting ? <StatusBar intent="warning">{strings.retract.reconnecting}</StatusBar> : null}
      {job ? <JobProgress title={strings.retract.actions[job.action] ?? job.action} job={job} onCancel={() => cancel(job.jobId)} busy={busy} /> : null}
      {canUndo ? (
        <div className={s.section}>
          <Text className={s.muted}>{strings.retract.retention}</Text>
          <div className={s.row}>
            <Button onClick={undo} disabled={busy}>
              {strings.retract.undo}
            </Button>
          </div>
        </div>
      ) : null}
      {undoError ? <StatusBar intent="error">{errorText(undoError)}</StatusBar> : null}
      {undoJob ? <JobProgress title={strings.retract.undo} job={undoJob} onCancel={() => cancel(undoJob.jobId)} busy={busy} /> : null}

      <Dialog open={confirming} onOpenChange={(_, d) => setConfirming(d.open)} modalType="alert">
        <DialogSurface>
          <DialogBody>
            <DialogTitle>{strings.retract.confirmTitle}</DialogTitle>
            <DialogContent className={s.section}>
              <Text>{strings.retract.confirmBody(selected.length, mailboxes, strings.retract.actions[action] ?? action)}</Text>
              {action === 'hard-delete' ? (
                <StatusBar intent="warning">{strings.retract.hardDeleteWarning}</StatusBar>
              ) : (
                <Text>{strings.retract.undoNote}</Text>
              )}
              <Field label={strings.retract.reasonLabel}>
                <Input value={reason} onChange={(_, d) => setReason(d.value)} maxLength={1000} />
              </Field>
            </DialogContent>
            <DialogActions>
              <Button appearance="secondary" onClick={() => setConfirming(false)}>
                {strings.cancel}
              </Button>
              <Button appearance="primary" onClick={start} disabled={busy}>
                {strings.retract.confirm}
              </Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </div>
  );
}

export default RetractView;
