// Lint: typescript-eslint's recommended rules, plus the boundary that keeps workflow code deterministic.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'sdk/typescript/dist/', 'node_modules/', '.tools/', '.data/', 'coverage/', 'sdk/python/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Workflow code is replayed: it may import only the workflow SDK, @temporalio/common, contracts and
    // activity *types*. Anything that does I/O (or reads clocks, env, randomness) belongs in an activity.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: '^(?!@temporalio/(workflow|common)$|\\.{1,2}/)', message: 'workflows may import only @temporalio/workflow, @temporalio/common and relative modules' },
          { regex: '^\\.\\./(src|mcp|sdk|test)/', message: 'workflows may not import application code: use an activity' },
          { regex: '^\\.\\./activities(/|$)', allowTypeImports: true, message: 'workflows import activity types only (import type …)' },
        ],
      }],
      'no-restricted-globals': ['error', { name: 'process', message: 'no environment in workflows' }, { name: 'setTimeout', message: 'use sleep() from @temporalio/workflow' }],
    },
  },
  {
    // Only src/config reads the environment; everything else gets a parsed Config.
    files: ['src/**/*.ts', 'activities/**/*.ts', 'workflows/**/*.ts'],
    ignores: ['src/config/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'read settings through src/config' }],
    },
  },
  {
    // Launcher scripts run in plain Node (ESM .mjs, CommonJS .js config files).
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', module: 'writable', require: 'readonly', __dirname: 'readonly' } },
  },
  {
    // The dashboard's own scripts run in the browser, not in Node.
    files: ['templates/pages/assets/**/*.js'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', location: 'readonly', fetch: 'readonly', URL: 'readonly', console: 'readonly' } },
  },
);
