// Addresses in the pane's tables and tree wrap after the @ at Outlook's narrow width instead of
// running under the next column; the whole address stays readable (text and tooltip).
import { render, screen } from '@testing-library/react';
import { Address } from '../../../src/taskpane/components/Address';

it('offers a line break right after the @ and keeps the whole address as text and tooltip', () => {
  render(<Address address="henrietta.longname@subsidiary.contoso.com" />);
  const shown = screen.getByText('henrietta.longname@subsidiary.contoso.com');
  expect(shown).toHaveAttribute('title', 'henrietta.longname@subsidiary.contoso.com');
  const wbr = shown.querySelector('wbr');
  expect(wbr?.previousSibling?.textContent).toBe('henrietta.longname@');
  expect(wbr?.nextSibling?.textContent).toBe('subsidiary.contoso.com');
});

it('shows a value without an @ as it is', () => {
  render(<Address address="not-an-address" />);
  const shown = screen.getByText('not-an-address');
  expect(shown.querySelector('wbr')).toBeNull();
  expect(shown).toHaveAttribute('title', 'not-an-address');
});
