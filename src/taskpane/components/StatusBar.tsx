// One way to show an error, a warning or a success sentence (a Fluent MessageBar).
import { MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import type { ReactNode } from 'react';

export function StatusBar(props: { intent: 'error' | 'warning' | 'success' | 'info'; title?: string; children: ReactNode }) {
  // Errors interrupt (alert); the rest are announced politely.
  return (
    <MessageBar intent={props.intent} role={props.intent === 'error' ? 'alert' : 'status'}>
      <MessageBarBody>
        {props.title ? <MessageBarTitle>{props.title}</MessageBarTitle> : null}
        {props.children}
      </MessageBarBody>
    </MessageBar>
  );
}
