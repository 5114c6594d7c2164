// Setup: admin consent (Grant permissions opens the consent URL through the host), the managed
// domains with their status, add and remove.
import {
  Badge,
  Button,
  Field,
  Input,
  Spinner,
  Subtitle2,
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
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { domainNameSchema, type Setup } from '../../contracts';
import { StatusBar } from '../components/StatusBar';
import { errorText, useServices } from '../context';
import { strings } from '../strings';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  row: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'end', flexWrap: 'wrap' },
  grow: { flexGrow: 1 },
  list: { margin: 0, paddingLeft: tokens.spacingHorizontalL },
});

const statusColour = { granted: 'success', 'not-in-tenant': 'danger', 'not-verified': 'warning' } as const;

type State = { status: 'loading' } | { status: 'done'; setup: Setup } | { status: 'error'; error: unknown };

export function SetupView() {
  const s = useStyles();
  const { api, host } = useServices();
  const [state, setState] = useState<State>({ status: 'loading' });
  const [domain, setDomain] = useState('');
  const [invalid, setInvalid] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const [openError, setOpenError] = useState<unknown>();

  const load = useCallback(async () => {
    try {
      setState({ status: 'done', setup: await api.setup() });
    } catch (error) {
      setState({ status: 'error', error });
    }
  }, [api]);
  useEffect(() => void load(), [load]);

  const save = async (domains: string[]) => {
    setSaving(true);
    setSaveError(undefined);
    setSaved(false);
    try {
      await api.setDomains(domains);
      setSaved(true);
      await load();
    } catch (error) {
      setSaveError(error);
    } finally {
      setSaving(false);
    }
  };

  if (state.status === 'loading') return <Spinner size="small" label={strings.loading} />;
  if (state.status === 'error') return <StatusBar intent="error">{errorText(state.error)}</StatusBar>;
  const setup = state.setup;
  const current = setup.domains.map((d) => d.domain);

  const add = (e: FormEvent) => {
    e.preventDefault();
    const parsed = domainNameSchema.safeParse(domain.trim());
    if (!parsed.success) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    setDomain('');
    // Domains are compared in lower case (DNS names are ASCII or punycode).
    const name = parsed.data.toLowerCase();
    if (!current.some((d) => d.toLowerCase() === name)) void save([...current, name]);
  };

  return (
    <div className={s.root}>
      <section className={s.section} aria-label={strings.setup.consent}>
        <Subtitle2 as="h2">{strings.setup.consent}</Subtitle2>
        {setup.consent ? (
          <StatusBar intent="success">{strings.setup.consentGranted}</StatusBar>
        ) : (
          <StatusBar intent="warning">{strings.setup.consentMissing}</StatusBar>
        )}
        <div className={s.row}>
          <Button
            appearance={setup.consent ? 'secondary' : 'primary'}
            onClick={() => {
              setOpenError(undefined);
              host.openDialog(setup.consentUrl).catch(setOpenError);
            }}
          >
            {strings.setup.grant}
          </Button>
        </div>
        {openError ? <StatusBar intent="error">{errorText(openError)}</StatusBar> : null}
        {setup.permissions.length ? (
          <>
            <Text weight="semibold">{strings.setup.permissions}</Text>
            <ul className={s.list} aria-label={strings.setup.permissions}>
              {setup.permissions.map((p) => (
                <li key={p.name}>
                  {p.name}{' '}
                  <Badge appearance="tint" color={p.granted ? 'success' : 'warning'}>
                    {p.granted ? strings.setup.statuses.granted : strings.setup.notGranted}
                  </Badge>
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </section>
      <section className={s.section} aria-label={strings.setup.domains}>
        <Subtitle2 as="h2">{strings.setup.domains}</Subtitle2>
        <Table aria-label={strings.setup.domains} size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>{strings.setup.domain}</TableHeaderCell>
              <TableHeaderCell>{strings.setup.status}</TableHeaderCell>
              <TableHeaderCell>{strings.setup.removeHeader}</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {setup.domains.map((d) => (
              <TableRow key={d.domain}>
                <TableCell>{d.domain}</TableCell>
                <TableCell>
                  <Badge appearance="tint" color={statusColour[d.status]}>
                    {strings.setup.statuses[d.status] ?? d.status}
                  </Badge>
                </TableCell>
                <TableCell>
                  <Button size="small" aria-label={strings.setup.remove(d.domain)} disabled={saving} onClick={() => void save(current.filter((x) => x !== d.domain))}>
                    {strings.setup.removeHeader}
                  </Button>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
        <form className={s.row} onSubmit={add}>
          <Field className={s.grow} label={strings.setup.addLabel} validationState={invalid ? 'error' : 'none'} validationMessage={invalid ? strings.setup.invalidDomain : undefined}>
            <Input value={domain} onChange={(_, d) => setDomain(d.value)} />
          </Field>
          <Button type="submit" disabled={saving || !domain.trim()}>
            {strings.setup.add}
          </Button>
        </form>
        {saving ? <Spinner size="tiny" label={strings.setup.saving} /> : null}
        {saved ? <StatusBar intent="success">{strings.setup.saved}</StatusBar> : null}
        {saveError ? <StatusBar intent="error">{errorText(saveError)}</StatusBar> : null}
      </section>
    </div>
  );
}

export default SetupView;
