import { describe, it, expect } from 'vitest';
import { ESLint } from 'eslint';
import { ROOT } from '../../helpers/cli.js';

/** The dialect boundary is enforced by `npm run lint`: drivers and engine names only in src/adapters. */
describe('the dialect boundary lint rule', () => {
  const eslint = new ESLint({ cwd: ROOT });
  const problems = async (code: string, file: string) =>
    (await eslint.lintText(code, { filePath: `${ROOT}/${file}` }))[0]!.messages.map((m) => m.ruleId);

  it('refuses a driver import and a dialect comparison outside src/adapters', async () => {
    expect(await problems(`import pg from 'pg';\nexport const x = pg;\n`, 'src/replay/x.ts')).toEqual([
      '@typescript-eslint/no-restricted-imports',
    ]);
    expect(
      await problems(`import m from 'mysql2/promise';\nexport const x = m;\n`, 'src/store/x.ts'),
    ).toEqual(['@typescript-eslint/no-restricted-imports']);
    const branch = `export const f = (d: string) => (d === 'sqlite' ? 1 : 'postgres' !== d ? 2 : 3);\n`;
    expect(await problems(branch, 'src/rollback/x.ts')).toEqual([
      'no-restricted-syntax',
      'no-restricted-syntax',
    ]);
    const sw = `export function f(d: string) {\n  switch (d) {\n    case 'mariadb':\n      return 1;\n  }\n  return /^mysql:/.test(d) ? 2 : 0;\n}\n`;
    expect(await problems(sw, 'src/exceptions/x.ts')).toEqual([
      'no-restricted-syntax',
      'no-restricted-syntax',
    ]);
  });

  it('allows them inside src/adapters', async () => {
    const code = `import pg from 'pg';\nexport const f = (d: string) => (d === 'postgres' ? pg : undefined);\n`;
    expect(await problems(code, 'src/adapters/postgres/x.ts')).toEqual([]);
  });
});
