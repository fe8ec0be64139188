/**
 * The dependency rule that keeps the layers of ARCHITECTURE.md what it says they are.
 * Run by `npm run lint` (`depcruise src`); a violation fails the lint.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'No import cycle, type-only imports included: a cycle means two modules are one.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      severity: 'error',
      comment:
        'No cycle between folders either (reconcilers → reports → reconcilers): each folder is a layer that only looks down.',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'engine-not-above-consumers',
      severity: 'error',
      comment:
        'The reconcile engine (src/reconcilers) yields differences and totals; the store, reports, the exception queue and the run orchestration (src/app) consume them, never the other way round.',
      from: { path: '^src/reconcilers/' },
      to: { path: '^src/(reports|exceptions|store|replay|rollback|app|cli|commands|demo)/' },
    },
    {
      name: 'app-only-from-above',
      severity: 'error',
      comment:
        'src/app runs the lifecycles (reconcile, replay, rollback, config check) over the engine, queue, reports and store; only the commands (and the demo) call it.',
      from: { path: '^src/', pathNot: '^src/(app|commands|cli|demo)/' },
      to: { path: '^src/app/' },
    },
    {
      name: 'cli-only-from-commands',
      severity: 'error',
      comment:
        'src/cli holds what only the command line needs (the base command, flag definitions, prompts, terminal renderings): only the commands and hooks use it.',
      from: { path: '^src/', pathNot: '^src/(cli|commands|hooks)/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'oclif-only-in-cli',
      severity: 'error',
      comment: '@oclif/core is the command line: only src/cli, src/commands and src/hooks import it.',
      from: { path: '^src/', pathNot: '^src/(cli|commands|hooks)/' },
      to: { path: '@oclif/core' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
