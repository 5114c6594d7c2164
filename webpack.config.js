// The task pane's build: React + Fluent UI v9, TypeScript through swc-loader (no babel), split so
// that each host's adapter (Office / teams-js), MSAL and each view load only when needed.
// `npx webpack --mode production` → dist/taskpane. Issue 8's dev server uses this config
// (`devServer` below is its default; it adds HTTPS certificates and /taskpane-config.json).
const path = require('node:path');
const HtmlWebpackPlugin = require('html-webpack-plugin');

module.exports = (_env, argv) => {
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
    devtool: production ? 'source-map' : 'eval-cheap-module-source-map',
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
