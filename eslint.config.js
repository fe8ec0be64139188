import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Engine names: only src/adapters may branch on them. */
const DIALECT =
  '/^(sqlite3?|postgres|postgresql|pg|mssql|sqlserver|tedious|mysql2?|mariadb|better-sqlite3)$/i';
const DIALECT_MESSAGE =
  'Only src/adapters may name a database engine: put the difference behind WriteDriver/Adapter (src/adapters/types.ts).';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'reports/**', 'cutover-demo/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Integer flags state their range: oclif's Flags.integer has no maximum unless given one, and a
    // value past 2^63 reached the database (src/cli/integer-flag.ts).
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'Flags',
          property: 'integer',
          message: 'Use integerFlag (src/cli/integer-flag.ts): it needs a min and a max and says the range.',
        },
      ],
    },
  },
  {
    // The dialect boundary (ARCHITECTURE.md): drivers and engine names live in src/adapters only.
    files: ['src/**/*.ts'],
    ignores: ['src/adapters/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            'pg',
            'pg-copy-streams',
            'tedious',
            'better-sqlite3',
            'mysql2',
            'mysql',
            'mssql',
            'sqlite3',
          ].map((name) => ({ name, message: `Only src/adapters may import the driver ${name}.` })),
          patterns: [
            {
              group: [
                'pg/*',
                'tedious/*',
                'mysql2/*',
                'better-sqlite3/*',
                'knex/lib/dialects/*',
                'knex/lib/dialects/**',
                '**/adapters/postgres/pg-driver*',
              ],
              message: 'Only src/adapters may import a driver or a knex dialect client.',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: `BinaryExpression[right.type='Literal'][right.value=${DIALECT}]`,
          message: DIALECT_MESSAGE,
        },
        {
          selector: `BinaryExpression[left.type='Literal'][left.value=${DIALECT}]`,
          message: DIALECT_MESSAGE,
        },
        { selector: `SwitchCase > Literal.test[value=${DIALECT}]`, message: DIALECT_MESSAGE },
        {
          selector: `Property[key.name='client'] > Literal.value[value=${DIALECT}]`,
          message: DIALECT_MESSAGE,
        },
        {
          selector: 'Literal[regex.pattern=/sqlite|postgres|mssql|mysql|mariadb|sqlserver/i]',
          message: DIALECT_MESSAGE,
        },
      ],
    },
  },
);
