// A diagnosis's result types belong to the reconcile summary (its `causes`), so they are defined
// beside it (src/reconcilers/cause-types.ts); the detectors import them from here.
export * from '../reconcilers/cause-types.js';
