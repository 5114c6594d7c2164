/**
 * The OME portal a link-based recipient opens: `GET /ome/view/{internetMessageId}?recipient=ADDRESS`.
 * It shows the message, or after revocation exactly "The message has been revoked by the sender".
 */
import type { SimRequest, SimResponse } from '../http';
import { asciiLower } from '../fixture';
import { escapeHtml } from '../identity/pages';
import type { OmeService } from './ome';

export const REVOKED_TEXT = 'The message has been revoked by the sender';

function page(status: number, title: string, inner: string): SimResponse {
  return {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
    body: `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font-family:"Segoe UI",system-ui,sans-serif;margin:0;background:#f3f2f1;color:#201f1e}main{max-width:46rem;margin:2rem auto;background:#fff;padding:2rem}dt{font-weight:600}pre{white-space:pre-wrap;font:inherit}</style>
</head>
<body><main>
${inner}
</main></body>
</html>`,
  };
}

export function omePortal(ome: OmeService, req: SimRequest): SimResponse {
  const id = req.params.id ?? '';
  const recipient = req.url.searchParams.get('recipient') ?? '';
  const m = ome.find(id);
  if (!m) return page(404, 'Message not found', `<h1>Message not found</h1><p>This encrypted message doesn't exist or has expired.</p>`);
  const r = m.recipients.find((x) => asciiLower(x.address) === asciiLower(recipient));
  if (!r) return page(403, 'Not a recipient', `<h1>You can't view this message</h1><p>${escapeHtml(recipient || 'This address')} isn't a recipient of this message.</p>`);
  if (m.revoked) return page(200, 'Message revoked', `<h1>Message revoked</h1><p id="status">${REVOKED_TEXT}</p>`);
  if (r.experience === 'inline') {
    return page(403, 'Open in Outlook', `<h1>Open this message in Outlook</h1><p>${escapeHtml(r.address)} reads encrypted mail in Outlook, not in this portal.</p>`);
  }
  const s = m.send;
  const to = [...s.to, ...s.cc].map((x) => x.address).join(', ');
  return page(
    200,
    s.subject || '(no subject)',
    `<h1>${escapeHtml(s.subject || '(no subject)')}</h1>
<dl><dt>From</dt><dd>${escapeHtml(s.from.name ? `${s.from.name} <${s.from.address}>` : s.from.address)}</dd><dt>To</dt><dd>${escapeHtml(to)}</dd><dt>Sent</dt><dd>${escapeHtml(s.sentAt.toUTCString())}</dd></dl>
<pre id="body">${escapeHtml(s.body)}</pre>`,
  );
}
