/**
 * The HTML the simulated Entra shows: the sign-in page (pick an account, type its password),
 * the admin consent page, error and signed-out pages. Small, with labelled controls and one
 * heading, so it works with a keyboard and a screen reader — and with playwright in tests.
 */
import type { FixtureUser } from '../fixture';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: "Segoe UI", system-ui, sans-serif; background: #f2f2f2; color: #1b1b1b; margin: 0; }
  main { max-width: 26rem; margin: 3rem auto; background: #fff; padding: 2rem; box-shadow: 0 2px 6px rgba(0,0,0,.2); }
  h1 { font-size: 1.5rem; font-weight: 600; margin-top: 0; }
  fieldset { border: 0; padding: 0; margin: 0 0 1rem; }
  legend { font-weight: 600; margin-bottom: .5rem; }
  .account { display: block; padding: .4rem 0; }
  label.field { display: block; margin: .75rem 0 .25rem; font-weight: 600; }
  input[type=password] { width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; border: 1px solid #666; }
  button { margin-top: 1rem; margin-right: .5rem; padding: .5rem 1.5rem; font-size: 1rem; border: 1px solid #0067b8; }
  button.primary { background: #0067b8; color: #fff; }
  button.secondary { background: #fff; color: #0067b8; }
  [role=alert] { color: #a4262c; font-weight: 600; }
  :focus-visible { outline: 3px solid #1b1b1b; outline-offset: 2px; }
  ul.permissions { padding-left: 1.2rem; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

export interface SignInPageInput {
  action: string;
  flow: string;
  users: readonly FixtureUser[];
  selected?: string;
  error?: string;
  appName: string;
  tenantName: string;
  /** For admin consent: the permissions to grant. */
  consent?: readonly string[];
}

export function signInPage(i: SignInPageInput): string {
  const accounts = i.users
    .map((u, n) => {
      const checked = (i.selected ? u.userPrincipalName.toLowerCase() === i.selected.toLowerCase() : n === 0) ? ' checked' : '';
      const id = `account-${n}`;
      return `<label class="account" for="${id}"><input type="radio" id="${id}" name="username" value="${escapeHtml(u.userPrincipalName)}"${checked}> ${escapeHtml(u.displayName)} (${escapeHtml(u.userPrincipalName)})</label>`;
    })
    .join('\n');
  const consent = i.consent
    ? `<h2>Permissions requested</h2>
<p>${escapeHtml(i.appName)} asks for these permissions for everyone in ${escapeHtml(i.tenantName)}:</p>
<ul class="permissions">${i.consent.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul>
<p>Only an administrator can grant them.</p>`
    : '';
  const buttons = i.consent
    ? `<button class="primary" type="submit" name="decision" value="accept">Accept</button><button class="secondary" type="submit" name="decision" value="cancel">Cancel</button>`
    : `<button class="primary" type="submit">Sign in</button>`;
  return layout(
    i.consent ? 'Permissions requested' : 'Sign in to your account',
    `<h1>${i.consent ? 'Permissions requested' : 'Sign in'}</h1>
<p>to continue to ${escapeHtml(i.appName)} (${escapeHtml(i.tenantName)})</p>
${i.error ? `<p role="alert" id="error">${escapeHtml(i.error)}</p>` : ''}
<form method="post" action="${escapeHtml(i.action)}">
<input type="hidden" name="flow" value="${escapeHtml(i.flow)}">
<fieldset>
<legend>Pick an account</legend>
${accounts}
</fieldset>
<label class="field" for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required${i.error ? ' aria-describedby="error" aria-invalid="true"' : ''}>
${consent}
${buttons}
</form>`,
  );
}

export function messagePage(title: string, text: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(text)}</p>`);
}

/** `response_mode=form_post`: a page that posts the result to the redirect URI at once. */
export function formPostPage(redirectUri: string, params: Record<string, string>): string {
  const inputs = Object.entries(params)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  return layout(
    'Working…',
    `<h1>Signing you in</h1><form method="post" action="${escapeHtml(redirectUri)}">${inputs}<noscript><button type="submit">Continue</button></noscript></form><script>document.forms[0].submit()</script>`,
  );
}
