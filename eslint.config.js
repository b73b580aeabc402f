import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './eslint-rules/layers.js';

export default tseslint.config(
  {
    // The probes break the layers on purpose (test/architecture/boundaries.test.ts lints them).
    ignores: [
      'node_modules/',
      'web/dist/',
      'fixtures/generated/',
      'var/',
      'test-artifacts/',
      'test/architecture/probe/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-console': 'off',
    },
  },
  {
    // platform ← domains ← server/workers (eslint-rules/layers.js); scripts/ and test/ are free.
    files: ['{platform,accounts,gis,people,positions,video,incidents,gazetteer,server,workers}/**/*.ts'],
    plugins: { local: layers },
    rules: { 'local/layers': ['error', { root: import.meta.dirname }] },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unused-expressions': 'off' },
  },
);
