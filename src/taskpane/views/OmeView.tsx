// Remove external access (OME revoke): is the message revocable, is it revoked — and the button,
// for its sender or an admin. Admins may type a Message-ID (the Teams tab has no open message).
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  Spinner,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useCallback, useEffect, useState } from 'react';
import type { OmeStatus } from '../../contracts';
import { ApiError } from '../api-client';
import { MessageCard, type MessageSummary } from '../components/MessageCard';
import { StatusBar } from '../components/StatusBar';
import { errorText, useServices } from '../context';
import { strings } from '../strings';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  row: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'end', flexWrap: 'wrap' },
  grow: { flexGrow: 1 },
});

type State = { status: 'idle' } | { status: 'loading' } | { status: 'done'; ome: OmeStatus } | { status: 'error'; error: unknown };

export function OmeView(props: { message: MessageSummary | null; noMessageText?: string; admin: boolean }) {
  const s = useStyles();
  const { api } = useServices();
  const [typed, setTyped] = useState('');
  const [id, setId] = useState<string | undefined>(props.message?.internetMessageId);
  const [state, setState] = useState<State>({ status: 'idle' });
  const [confirming, setConfirming] = useState(false);
  const [revoking, setRevoking] = useState(false);
  const [revokeError, setRevokeError] = useState<unknown>();

  useEffect(() => setId(props.message?.internetMessageId), [props.message?.internetMessageId]);

  const check = useCallback(
    async (internetMessageId: string) => {
      setState({ status: 'loading' });
      setRevokeError(undefined);
      try {
        setState({ status: 'done', ome: await api.omeStatus(internetMessageId) });
      } catch (error) {
        setState({ status: 'error', error });
      }
    },
    [api],
  );

  useEffect(() => {
    if (id) void check(id);
    else setState({ status: 'idle' });
  }, [id, check]);

  const revoke = async () => {
    if (!id || state.status !== 'done') return;
    setRevoking(true);
    setRevokeError(undefined);
    try {
      await api.omeRevoke(id);
      setState({ status: 'done', ome: { ...state.ome, revoked: true, isRevocable: false } });
    } catch (error) {
      setRevokeError(error);
    } finally {
      setRevoking(false);
      setConfirming(false);
    }
  };

  // A signed-in user without a role is refused for mail they did not send alone to one recipient.
  const refused = (error: unknown) => (error instanceof ApiError && error.forbidden && !props.admin ? strings.ome.notYours : errorText(error));

  return (
    <div className={s.root}>
      <Text>{strings.ome.intro}</Text>
      {props.message ? <MessageCard message={props.message} /> : props.noMessageText ? <StatusBar intent="info">{props.noMessageText}</StatusBar> : null}
      {props.admin ? (
        <div className={s.row}>
          <Field className={s.grow} label={strings.retract.typeId} hint={strings.retract.typeIdHint}>
            <Input value={typed} onChange={(_, d) => setTyped(d.value)} />
          </Field>
          <Button disabled={!/^<[^\s<>]*@[^\s<>]*>$/.test(typed.trim())} onClick={() => (typed.trim() === id ? void check(id) : setId(typed.trim()))}>
            {strings.ome.check}
          </Button>
        </div>
      ) : null}
      {state.status === 'loading' ? <Spinner size="small" label={strings.ome.checking} /> : null}
      {state.status === 'error' ? <StatusBar intent="error">{refused(state.error)}</StatusBar> : null}
      {state.status === 'done' ? (
        state.ome.revoked ? (
          <StatusBar intent="success">{strings.ome.revoked}</StatusBar>
        ) : state.ome.isRevocable ? (
          <>
            <StatusBar intent="info">{strings.ome.revocable}</StatusBar>
            <div className={s.row}>
              <Button appearance="primary" onClick={() => setConfirming(true)} disabled={revoking}>
                {strings.ome.revoke}
              </Button>
            </div>
          </>
        ) : (
          <StatusBar intent="warning" title={strings.ome.notRevocable}>
            {state.ome.reason ?? strings.ome.notRevocableWhy}
          </StatusBar>
        )
      ) : null}
      {revokeError ? <StatusBar intent="error">{refused(revokeError)}</StatusBar> : null}
      <Dialog open={confirming} onOpenChange={(_, d) => setConfirming(d.open)} modalType="alert">
        <DialogSurface>
          <DialogBody>
            <DialogTitle>{strings.ome.confirmTitle}</DialogTitle>
            <DialogContent>{strings.ome.confirmBody}</DialogContent>
            <DialogActions>
              <Button onClick={() => setConfirming(false)}>{strings.cancel}</Button>
              <Button appearance="primary" onClick={revoke} disabled={revoking}>
                {revoking ? strings.ome.revoking : strings.ome.confirm}
              </Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </div>
  );
}

export default OmeView;
