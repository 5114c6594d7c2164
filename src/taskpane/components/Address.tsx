// An email address that may wrap after its @ rather than spill past its column or the pane's edge
// (addresses have no spaces; Outlook's task pane is 320–380 px wide). The full address is the title.
import { makeStyles, mergeClasses } from '@fluentui/react-components';

const useStyles = makeStyles({
  // Break at the <wbr> after the @ first, anywhere only if a part is still too long.
  root: { minWidth: 0, overflowWrap: 'anywhere' },
});

export function Address(props: { address: string; className?: string }) {
  const s = useStyles();
  const at = props.address.lastIndexOf('@');
  return (
    <span className={mergeClasses(s.root, props.className)} title={props.address}>
      {at > 0 ? (
        <>
          {props.address.slice(0, at + 1)}
          <wbr />
          {props.address.slice(at + 1)}
        </>
      ) : (
        props.address
      )}
    </span>
  );
}
