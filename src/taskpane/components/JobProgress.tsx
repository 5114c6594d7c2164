// A job while it runs and after: status, a progress bar from its counts, per-target outcomes.
import {
  Badge,
  Button,
  Field,
  ProgressBar,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import type { Job } from '../../contracts';
import { strings } from '../strings';
import { StatusBar } from './StatusBar';
import { TERMINAL } from '../views/useJob';
import { Address } from './Address';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS },
});

const outcomeColour = { pending: 'informative', done: 'success', 'already-gone': 'subtle', failed: 'danger' } as const;

export function JobProgress(props: { title: string; job: Job; onCancel?: () => void; busy?: boolean }) {
  const s = useStyles();
  const { job } = props;
  const c = job.counts;
  const finished = c.done + c.alreadyGone + c.failed;
  const running = !TERMINAL.has(job.status);
  return (
    <section className={s.root} aria-label={props.title}>
      <Field
        label={`${props.title}: ${strings.retract.jobStatus[job.status] ?? job.status}`}
        hint={strings.retract.counts(c)}
        validationState={job.status === 'failed' ? 'error' : job.status === 'partial' ? 'warning' : job.status === 'completed' ? 'success' : 'none'}
      >
        <ProgressBar
          value={c.targets ? finished / c.targets : running ? undefined : 1}
          max={1}
          color={job.status === 'failed' ? 'error' : job.status === 'partial' ? 'warning' : job.status === 'completed' ? 'success' : 'brand'}
        />
      </Field>
      {job.status === 'partial' ? <StatusBar intent="warning">{strings.errors.partial}</StatusBar> : null}
      {running && props.onCancel ? (
        <div className={s.actions}>
          <Button onClick={props.onCancel} disabled={props.busy}>
            {strings.retract.cancelJob}
          </Button>
        </div>
      ) : null}
      {job.results.length ? (
        <Table aria-label={`${props.title}: ${strings.retract.outcome}`} size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>{strings.retract.mailbox}</TableHeaderCell>
              <TableHeaderCell>{strings.retract.outcome}</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {job.results.map((r) => (
              <TableRow key={r.messageId}>
                <TableCell>
                  <Address address={r.mailbox} />
                </TableCell>
                <TableCell>
                  <Badge appearance="tint" color={outcomeColour[r.outcome]}>
                    {strings.retract.outcomes[r.outcome] ?? r.outcome}
                  </Badge>
                  {r.error ? <Text size={200}> {r.error}</Text> : null}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      ) : null}
    </section>
  );
}
