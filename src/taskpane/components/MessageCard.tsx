// The message being acted on: subject, sender, received time, internetMessageId.
import { Caption1, Text, makeStyles, tokens } from '@fluentui/react-components';
import { strings } from '../strings';

export interface MessageSummary {
  internetMessageId: string;
  subject?: string;
  from?: { name?: string; address: string };
  date?: string;
}

const useStyles = makeStyles({
  // A plain bordered section: Fluent's Card brings interactive-card machinery this does not need.
  card: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    padding: tokens.spacingHorizontalM,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground1,
    boxShadow: tokens.shadow4,
  },
  list: { display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: tokens.spacingHorizontalM, rowGap: tokens.spacingVerticalXXS, margin: 0 },
  term: { color: tokens.colorNeutralForeground3 },
  value: { margin: 0, overflowWrap: 'anywhere' },
});

export function formatTime(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function MessageCard(props: { message: MessageSummary }) {
  const s = useStyles();
  const m = props.message;
  const from = m.from ? (m.from.name ? `${m.from.name} <${m.from.address}>` : m.from.address) : '';
  return (
    <section className={s.card} aria-label={strings.message.heading}>
      <Text weight="semibold">{m.subject || strings.message.noSubject}</Text>
      <dl className={s.list}>
        {from ? (
          <>
            <dt className={s.term}><Caption1>{strings.message.from}</Caption1></dt>
            <dd className={s.value}>{from}</dd>
          </>
        ) : null}
        {m.date ? (
          <>
            <dt className={s.term}><Caption1>{strings.message.received}</Caption1></dt>
            <dd className={s.value}>{formatTime(m.date)}</dd>
          </>
        ) : null}
        <dt className={s.term}><Caption1>{strings.message.internetMessageId}</Caption1></dt>
        <dd className={s.value}><code>{m.internetMessageId}</code></dd>
      </dl>
    </section>
  );
}
