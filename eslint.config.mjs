import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.retract/', 'coverage/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser, ...globals.jest } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // The simulated tenant stands in for Microsoft: it must never share the product's code.
    files: ['src/sim/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/core/**', '**/contracts/**', '**/graph/**', '**/exchange/**', '**/api/**', '**/taskpane/**', '**/cli/**', '**/dev/**'] }],
    },
  },
  {
    // src/core is pure domain logic: no I/O, no SDKs.
    files: ['src/core/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*', 'fs', 'http', 'https', 'net', 'child_process', '@azure/*', '@microsoft/*', '**/contracts/**', '**/graph/**', '**/exchange/**', '**/api/**', '**/taskpane/**', '**/cli/**', '**/sim/**', '**/dev/**'] }],
    },
  },
  { files: ['**/*.js', '**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
