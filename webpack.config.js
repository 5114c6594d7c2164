// The task pane's build: React + Fluent UI v9, TypeScript through swc-loader (no babel), split so
// that each host's adapter (Office / teams-js), MSAL and each view load only when needed.
// `npx webpack --mode production` → dist/taskpane. Issue 8's dev server uses this config
// (`devServer` below is its default; it adds HTTPS certificates and /taskpane-config.json).
const path = require('node:path');
const HtmlWebpackPlugin = require('html-webpack-plugin');
const { sources } = require('webpack');

/** Where Office.js comes from (hosts/outlook.ts loads it; it loads its own parts from there too). */
const OFFICE_JS_ORIGIN = 'https://appsforoffice.microsoft.com';
/** Entra ID, MSAL's authority in production. */
const ENTRA_AUTHORITY = 'https://login.microsoftonline.com';
/** teams-js reads its list of valid host origins from this CDN. */
const TEAMS_JS_CDN = 'https://res.cdn.office.net';
/**
 * The pages that may frame the pane: Outlook (web, new, classic's web views), Teams and the
 * Microsoft 365 app, old and new (*.cloud.microsoft) domains, as Microsoft's tab requirements list them.
 */
const HOST_FRAME_ANCESTORS = [
  'https://*.cloud.microsoft',
  'https://teams.microsoft.com',
  'https://*.teams.microsoft.com',
  'https://*.microsoft365.com',
  'https://*.office.com',
  'https://*.office365.com',
  'https://*.microsoft.com',
  'https://outlook.live.com',
];

/**
 * The task pane site's security headers: one policy for the dev server (src/dev/stack.ts) and
 * the production build (staticwebapp.config.json). No inline or eval'd script anywhere; styles
 * may be inline because Fluent UI (Griffel) writes its rules into <style> elements at run time.
 * `apiOrigins`: where the API is, when not on the pane's own origin; `authorityOrigins`: MSAL's
 * authority (Entra ID, or the simulator locally); `frameAncestors`: more pages that may frame
 * the pane (the pane's own origin always may: the local harness); `hsts`: false on the local dev
 * server, because a browser that keeps HSTS for `localhost` forces https on every other
 * `http://localhost` site the developer runs, for a year.
 */
function taskpaneSecurityHeaders({ apiOrigins = [], authorityOrigins = [ENTRA_AUTHORITY], frameAncestors = [], hsts = true } = {}) {
  const csp = [
    "default-src 'none'",
    `script-src 'self' ${OFFICE_JS_ORIGIN}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${["'self'", ...apiOrigins, ...authorityOrigins, TEAMS_JS_CDN].join(' ')}`,
    // MSAL renews tokens in a hidden frame on the authority; the harness frames the pane.
    `frame-src ${["'self'", ...authorityOrigins].join(' ')}`,
    "form-action 'self'",
    "base-uri 'self'",
    "object-src 'none'",
    `frame-ancestors ${["'self'", ...HOST_FRAME_ANCESTORS, ...frameAncestors].join(' ')}`,
  ].join('; ');
  return {
    'Content-Security-Policy': csp,
    ...(hsts ? { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : {}),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
}

/**
 * Azure Static Web Apps reads its response headers from staticwebapp.config.json at the site's
 * root (docs/deploy.md §6). The API's origin (the Function App's https://NAME.azurewebsites.net)
 * comes from `npm run build -- --api URL`, or else RETRACT_API_ORIGIN at build time; without it
 * the CSP lets the pane call only its own origin.
 */
class StaticWebAppHeadersPlugin {
  constructor(apiOrigin) {
    this.apiOrigin = apiOrigin;
  }
  apply(compiler) {
    compiler.hooks.thisCompilation.tap('StaticWebAppHeaders', (compilation) => {
      compilation.hooks.processAssets.tap({ name: 'StaticWebAppHeaders', stage: compilation.constructor.PROCESS_ASSETS_STAGE_ADDITIONAL }, () => {
        const api = this.apiOrigin;
        const config = { globalHeaders: taskpaneSecurityHeaders({ apiOrigins: api ? [new URL(api).origin] : [] }) };
        compilation.emitAsset('staticwebapp.config.json', new sources.RawSource(JSON.stringify(config, null, 2) + '\n'));
      });
    });
  }
}

module.exports = (env, argv) => {
  const production = argv.mode !== 'development';
  return {
    mode: production ? 'production' : 'development',
    target: 'web',
    entry: { taskpane: './src/taskpane/index.tsx' },
    output: {
      path: path.resolve(__dirname, 'dist/taskpane'),
      filename: production ? '[name].[contenthash:8].js' : '[name].js',
      chunkFilename: production ? '[name].[contenthash:8].js' : '[name].js',
      publicPath: '/',
      clean: true,
    },
    // No eval'd source maps in development either: the pane's CSP allows no eval.
    devtool: production ? 'source-map' : 'cheap-module-source-map',
    resolve: { extensions: ['.tsx', '.ts', '.js', '.mjs', '.json'] },
    module: {
      rules: [
        {
          test: /\.tsx?$/,
          exclude: /node_modules/,
          use: {
            loader: 'swc-loader',
            options: {
              jsc: {
                parser: { syntax: 'typescript', tsx: true },
                transform: { react: { runtime: 'automatic', development: !production } },
                target: 'es2020',
              },
            },
          },
        },
      ],
    },
    optimization: {
      splitChunks: {
        chunks: 'async',
        cacheGroups: {
          // Fluent and React are shared by the shell and every view: one cached chunk for the
          // async side, while the shell's own imports stay in the entry.
          defaultVendors: { test: /[\\/]node_modules[\\/]/, priority: -10, reuseExistingChunk: true },
        },
      },
    },
    performance: { hints: false },
    plugins: [
      new HtmlWebpackPlugin({ template: './src/taskpane/taskpane.html', filename: 'taskpane.html', chunks: ['taskpane'], scriptLoading: 'defer' }),
      new HtmlWebpackPlugin({ template: './src/taskpane/auth-redirect.html', filename: 'auth-redirect.html', chunks: [] }),
      // The manifests' websiteUrl/SupportUrl (the root), privacyUrl and termsOfUseUrl: static pages, no script.
      new HtmlWebpackPlugin({ template: './src/taskpane/index.html', filename: 'index.html', chunks: [] }),
      new HtmlWebpackPlugin({ template: './src/taskpane/privacy.html', filename: 'privacy.html', chunks: [] }),
      new HtmlWebpackPlugin({ template: './src/taskpane/terms.html', filename: 'terms.html', chunks: [] }),
      ...(production ? [new StaticWebAppHeadersPlugin((env && env.apiOrigin) || process.env.RETRACT_API_ORIGIN)] : []),
    ],
    devServer: {
      static: false,
      port: 3000,
      client: { overlay: false },
      // The pane reads /taskpane-config.json (shape: src/taskpane/auth/config.ts). In development
      // it is the JSON file named by RETRACT_TASKPANE_CONFIG, written by whoever starts the stack.
      setupMiddlewares: (middlewares, devServer) => {
        const file = process.env.RETRACT_TASKPANE_CONFIG;
        if (file && devServer.app) {
          devServer.app.get('/taskpane-config.json', (_req, res) => {
            res.set('Cache-Control', 'no-store');
            res.sendFile(path.resolve(file));
          });
        }
        return middlewares;
      },
    },
  };
};

module.exports.taskpaneSecurityHeaders = taskpaneSecurityHeaders;
