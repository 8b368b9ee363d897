// ESLint flat config: neostandard (the code's present style: no semicolons, space before
// function parentheses, single quotes) plus typescript-eslint's type-aware rules for the bugs
// that matter here: floating and misused promises, unused variables and imports.
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript'
import importX from 'eslint-plugin-import-x'
import globals from 'globals'
import neostandard from 'neostandard'
import tseslint from 'typescript-eslint'
import { layerZones } from './eslint.layers.js'

export default [
  ...neostandard({
    ts: true,
    // generated protobuf codecs (protons) are not ours to style
    ignores: ['dist/**', 'node_modules/**', 'test-results/**', '.vitest/**', 'src/wire/*.ts']
  }),
  {
    rules: {
      // `void promise` is how this code marks a promise it deliberately does not await
      // (its rejection is handled inside); no-floating-promises accepts exactly that form.
      'no-void': 'off',
      // The code groups short related properties on one line inside multi-line literals.
      '@stylistic/object-property-newline': 'off',
      // noble names its ML-KEM export `ml_kem768`.
      camelcase: ['error', { allow: ['^ml_kem\\d+$'], properties: 'never' }]
    }
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // A `const X = {…} as const` with `type X = …` of the same name is the idiom for our
      // error-code maps; tsc itself reports real redeclarations.
      '@typescript-eslint/no-redeclare': 'off',
      // Our constructors that only call super() narrow the parent's parameters (an error
      // class making `code` required, a stand-in class taking kad-dht's arguments): the rule
      // reads them as useless because it does not compare types.
      '@typescript-eslint/no-useless-constructor': 'off'
    }
  },
  {
    // the layer rules: which folder under src/ may import which (eslint.layers.js)
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: { 'import-x/no-restricted-paths': ['error', { zones: layerZones() }] }
  },
  {
    // the daemon's web UI: plain scripts served to the browser
    files: ['src/daemon/ui/**/*.js'],
    languageOptions: { globals: globals.browser }
  }
]
