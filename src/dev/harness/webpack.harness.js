// The development harness page (/harness.html), built beside the task pane's own config
// (webpack.config.js) by src/dev/stack.ts. Never part of the production build.
const path = require('node:path');
const HtmlWebpackPlugin = require('html-webpack-plugin');

const ROOT = path.resolve(__dirname, '..', '..', '..');

module.exports = (_env, argv) => {
  const production = argv.mode === 'production';
  return {
    name: 'harness',
    mode: production ? 'production' : 'development',
    target: 'web',
    context: ROOT,
    entry: { harness: './src/dev/harness/index.ts' },
    output: {
      path: path.join(ROOT, 'dist', 'harness'),
      filename: '[name].js',
      publicPath: '/',
    },
    devtool: production ? false : 'eval-cheap-module-source-map',
    resolve: { extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] },
    module: {
      rules: [
        {
          test: /\.tsx?$/,
          exclude: /node_modules/,
          use: {
            loader: 'swc-loader',
            options: { jsc: { parser: { syntax: 'typescript', tsx: true }, target: 'es2020' } },
          },
        },
        { test: /\.css$/, type: 'asset/source' },
      ],
    },
    performance: { hints: false },
    plugins: [new HtmlWebpackPlugin({ template: './src/dev/harness/harness.html', filename: 'harness.html', chunks: ['harness'], scriptLoading: 'defer' })],
  };
};
