// Every page the manifests link on the task pane's host (the privacy and terms links the stores
// show, the pane itself) is one the task pane's build emits — so neither the dev server nor the
// production site answers a store reviewer or a user with a 404 — and the two policy pages say
// what they must.
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..', '..');

interface HtmlPage {
  userOptions: { filename: string; template: string };
}

function emittedPages(): Map<string, string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- webpack.config.js is CommonJS at the root
  const makeConfig = require(path.join(ROOT, 'webpack.config.js')) as (env: unknown, argv: { mode: string }) => { plugins: unknown[] };
  const pages = new Map<string, string>();
  for (const plugin of makeConfig({}, { mode: 'production' }).plugins) {
    const options = (plugin as Partial<HtmlPage>).userOptions;
    if (options?.filename && options.template) pages.set(options.filename, path.join(ROOT, options.template));
  }
  return pages;
}

function text(html: string): string {
  return html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
}

it('builds every page the manifests link on the host', () => {
  const pages = emittedPages();
  const linked = new Set<string>();
  for (const file of ['manifest.json', 'manifest.xml']) {
    const manifest = fs.readFileSync(path.join(ROOT, 'manifest', file), 'utf8');
    // The host's root (websiteUrl, SupportUrl) is answered by index.html.
    for (const m of manifest.matchAll(/https:\/\/\{\{RETRACT_HOST\}\}\/([\w.-]*\.html)?(?=")/g)) linked.add(m[1] ?? 'index.html');
  }
  expect([...linked].sort()).toEqual(['index.html', 'privacy.html', 'taskpane.html', 'terms.html']);
  for (const page of linked) {
    expect({ page, emitted: pages.has(page) }).toEqual({ page, emitted: true });
    expect(fs.existsSync(pages.get(page)!)).toBe(true);
  }
});

it('the privacy page says what Retract keeps, for how long, and that mail content is not logged', () => {
  const privacy = text(fs.readFileSync(emittedPages().get('privacy.html')!, 'utf8'));
  expect(privacy).toMatch(/The audit\./);
  expect(privacy).toMatch(/Jobs\./);
  expect(privacy).toMatch(/Lookups\..*kept for 24 hours/);
  expect(privacy).toMatch(/does not store or log the content of mail/);
});

it('the terms page says plainly that the publisher must supply the terms before publishing', () => {
  const terms = text(fs.readFileSync(emittedPages().get('terms.html')!, 'utf8'));
  expect(terms).toMatch(/These terms have not been written yet\./);
  expect(terms).toMatch(/must replace it with their own terms of use before publishing/);
});
