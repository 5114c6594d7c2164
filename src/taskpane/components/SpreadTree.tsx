// How the message spread: the original, then each forward or reply hop by hop (from `via`), with
// the mailboxes that hold each one. Addresses outside the organisation are leaves: Retract cannot
// follow mail past them. A Fluent Tree (a nested list with tree semantics and arrow keys).
import { Tree, TreeItem, TreeItemLayout, Badge, makeStyles, tokens } from '@fluentui/react-components';
import type { Lookup, Target } from '../../contracts';
import { Address } from './Address';
import { strings } from '../strings';

export interface SpreadNode {
  internetMessageId: string;
  depth: number;
  /** The mailbox whose Sent Items holds this message: who forwarded or replied. */
  sender?: string;
  /** Mailboxes holding a received copy. */
  mailboxes: string[];
  children: SpreadNode[];
  /** External addresses (leaves); known only for the whole lookup, so shown under the original. */
  external: string[];
}

/** Build the spread from a lookup's targets (and ambiguous forwards are left out: unproven). */
export function buildSpread(lookup: Pick<Lookup, 'internetMessageId' | 'targets' | 'skipped'>): SpreadNode {
  const groups = new Map<string, Target[]>();
  for (const t of lookup.targets) {
    const list = groups.get(t.internetMessageId) ?? [];
    list.push(t);
    groups.set(t.internetMessageId, list);
  }
  const nodes = new Map<string, SpreadNode>();
  const nodeOf = (id: string, targets: Target[]): SpreadNode => {
    const sender = targets.find((t) => t.folder === 'sentitems' && t.depth > 0)?.mailbox;
    return {
      internetMessageId: id,
      depth: targets[0]?.depth ?? 0,
      ...(sender ? { sender } : {}),
      mailboxes: [...new Set(targets.filter((t) => t.mailbox !== sender || t.folder !== 'sentitems').map((t) => t.mailbox))],
      children: [],
      external: [],
    };
  };
  const root = nodeOf(lookup.internetMessageId, groups.get(lookup.internetMessageId) ?? []);
  root.depth = 0;
  nodes.set(root.internetMessageId, root);
  for (const [id, targets] of groups) if (id !== root.internetMessageId) nodes.set(id, nodeOf(id, targets));
  for (const [id, targets] of groups) {
    if (id === root.internetMessageId) continue;
    const node = nodes.get(id);
    const parent = nodes.get(targets[0]?.via ?? '') ?? root; // an unknown parent hangs off the original
    if (node && parent !== node) parent.children.push(node);
  }
  const sortTree = (n: SpreadNode) => {
    n.children.sort((a, b) => a.depth - b.depth || a.internetMessageId.localeCompare(b.internetMessageId));
    n.children.forEach(sortTree);
  };
  sortTree(root);
  root.external = lookup.skipped.filter((s) => s.reason === 'external').map((s) => s.address);
  return root;
}

const useStyles = makeStyles({
  mailboxes: { color: tokens.colorNeutralForeground2, marginLeft: tokens.spacingHorizontalS },
  // A flex item shrinks below its longest word only with minWidth 0: a long address then wraps
  // instead of pushing the badge beside it past the pane's edge.
  main: { minWidth: 0, overflowWrap: 'anywhere' },
});

function label(node: SpreadNode): string {
  if (node.depth === 0) return strings.retract.original;
  return strings.retract.hop(node.depth, node.sender);
}

function allValues(node: SpreadNode): string[] {
  return [node.internetMessageId, ...node.children.flatMap(allValues)];
}

function Branch(props: { node: SpreadNode }) {
  const s = useStyles();
  const n = props.node;
  const hasChildren = n.children.length > 0 || n.external.length > 0;
  const text = n.mailboxes.length ? `→ ${n.mailboxes.join(', ')}` : '';
  return (
    <TreeItem itemType={hasChildren ? 'branch' : 'leaf'} value={n.internetMessageId}>
      <TreeItemLayout main={{ className: s.main }}>
        {label(n)}
        <span className={s.mailboxes}>{text}</span>
      </TreeItemLayout>
      {hasChildren ? (
        <Tree>
          {n.children.map((c) => (
            <Branch key={c.internetMessageId} node={c} />
          ))}
          {n.external.map((address) => (
            <TreeItem key={`ext:${address}`} itemType="leaf" value={`ext:${address}`}>
              <TreeItemLayout main={{ className: s.main }} aside={<Badge appearance="outline" color="warning">{strings.retract.external}</Badge>}>
                <Address address={address} />
              </TreeItemLayout>
            </TreeItem>
          ))}
        </Tree>
      ) : null}
    </TreeItem>
  );
}

export function SpreadTree(props: { lookup: Pick<Lookup, 'internetMessageId' | 'targets' | 'skipped'> }) {
  const root = buildSpread(props.lookup);
  return (
    <Tree aria-label={strings.retract.spreadTree} defaultOpenItems={allValues(root)}>
      <Branch node={root} />
    </Tree>
  );
}
