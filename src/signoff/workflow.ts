/**
 * Certification of a reconcile run (docs/signoff.md "Certification"): a person prepares it (with a
 * note, and a note per open material item or --accept-open), another person approves or rejects it.
 * Every act is a row of the append-only history; a status change is checked against the version
 * read, so two reviewers acting at once cannot both win.
 */
import type { Knex } from 'knex';
import type { ControlStore } from '../store/store-types.js';
import { currentUser, getRun, listRuns, type RunRecord } from '../store/runs.js';
import { insertSignoff, latestSignoffOfRun, updateSignoff, type SignoffRecord } from '../store/signoffs.js';
import { UsageError } from '../errors.js';
import { parseId, formatId } from '../exceptions/ids.js';
import { isMaterialRun, openMaterialItems } from './open-items.js';
import { REJECT_REASON_CODES, type RejectReason } from './reasons.js';
import { supersedeReason, type RunFigures } from './supersede-rule.js';

/** The preparer recorded when cutover.yaml's `signoff.autoPrepare` prepares a run. */
export const AUTO_PREPARER = 'cutover (auto)';

/** What a sign-off command did. */
export interface SignoffResult {
  action: 'prepare' | 'approve' | 'reject';
  signoff: SignoffRecord;
  /** Prepare: the run's open material items (each noted, or accepted open). */
  openItems?: string[];
}

export interface PrepareRequest {
  runId: string;
  note: string;
  /** --item-note X-000123=TEXT, by exception id. */
  itemNotes?: string[];
  acceptOpen?: boolean;
  /** Who prepares (default: CUTOVER_USER, else the OS user). */
  user?: string;
  now?: Date;
}

/**
 * A name as compared for segregation of duties: composed (NFC, so "é" and "e" + combining accent
 * are one spelling), without invisible format characters (zero-width space and joiners, word
 * joiner, byte-order mark, soft hyphen), trimmed and lower-cased. Names are recorded as given.
 */
export function identityKey(name: string): string {
  return name
    .normalize('NFC')
    .replace(/\p{Cf}/gu, '')
    .trim()
    .toLowerCase();
}

/** The same person, whatever the case, spaces, Unicode composition or invisible characters of the name. */
export function samePerson(a: string, b: string): boolean {
  return identityKey(a) === identityKey(b);
}

function requireNote(note: string, what: string): string {
  const n = note.trim();
  if (!n) throw new UsageError(`--note is empty: ${what} needs a note that says why.`, 'Give --note "…".');
  return n;
}

/** A completed reconcile run, or a UsageError that says why it cannot be signed off. */
async function completedRun(
  store: ControlStore,
  runId: string,
): Promise<RunRecord & { figures: RunFigures & { name: string } }> {
  const run = await getRun(store, runId, 'reconcile');
  if (run.command === 'recheck')
    throw new UsageError(
      `Run ${run.id} is a recheck: it read only the keys of the open exception items, so it cannot be signed off.`,
      `Sign off a full reconcile run of ${run.name ?? 'the mapping'} (\`cutover runs list --command reconcile --name ${run.name ?? ''}\`).`,
    );
  if (run.status !== 'clean' && run.status !== 'differences') {
    const why: Record<string, string> = {
      running: 'it is still running; wait for it to finish',
      stopped:
        'it stopped at --max-differences before comparing every row; fix the mapping and reconcile again',
    };
    throw new UsageError(
      `Run ${run.id} is ${run.status}: only a completed reconcile run (clean or differences) can be signed off.`,
      `${why[run.status] ?? 'it did not complete; reconcile again'} (\`cutover runs list --name ${run.name ?? ''}\` shows the later runs).`,
    );
  }
  return {
    ...run,
    figures: { ...(run.summary as RunFigures), runId: run.id, status: run.status, name: run.name ?? '' },
  };
}

/** "prepared by alice at 2026-…": who did what to a certification. */
function whoText(s: SignoffRecord): string {
  if (s.status === 'prepared') return `prepared by ${s.preparer} at ${s.preparedAt}`;
  if (s.status === 'superseded') return `superseded by run ${s.supersededBy} at ${s.supersededAt}`;
  return `${s.status} by ${s.reviewer} at ${s.reviewedAt}`;
}

/** A later complete run of the same mapping whose figures moved beyond materiality, if any. */
async function movedSince(
  store: ControlStore,
  run: RunRecord & { figures: RunFigures },
): Promise<{ id: string; why: string } | undefined> {
  const later = (await listRuns(store, { command: 'reconcile', name: run.name ?? '', limit: 200 })).filter(
    (r) =>
      r.id !== run.id &&
      r.startedAt > run.startedAt &&
      ['clean', 'differences', 'stopped'].includes(r.status) &&
      !(r.summary as { window?: unknown } | null)?.window,
  );
  for (const r of later.reverse()) {
    const why = supersedeReason(run.figures, { ...(r.summary as RunFigures), runId: r.id, status: r.status });
    if (why) return { id: r.id, why };
  }
  return undefined;
}

/** Splits `--item-note X-000123=TEXT` values; refuses a malformed one or an id given twice. */
function parseItemNotes(values: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of values) {
    const eq = v.indexOf('=');
    const text = eq > 0 ? v.slice(eq + 1).trim() : '';
    if (eq <= 0 || !text)
      throw new UsageError(
        `--item-note "${v}" is not ID=TEXT.`,
        'Write it as --item-note X-000123="why it stays open".',
      );
    const id = formatId(parseId(v.slice(0, eq)));
    if (out.has(id)) throw new UsageError(`--item-note names ${id} twice.`, 'Give one note per item.');
    out.set(id, text);
  }
  return out;
}

/**
 * Prepares a run for sign-off. Refused (UsageError, exit 2): a run that did not complete, one already
 * prepared or approved, one superseded or out of date (a later run's figures moved beyond
 * materiality), and a material run whose open material items lack a note each (without
 * --accept-open). A rejected run may be prepared again: a new certification, the old one kept.
 */
export async function prepareSignoff(store: ControlStore, req: PrepareRequest): Promise<SignoffResult> {
  const note = requireNote(req.note, 'preparing a run');
  const itemNotes = parseItemNotes(req.itemNotes ?? []);
  const run = await completedRun(store, req.runId);
  const preparer = currentUser(req.user);
  return store.db.exclusiveTransaction(async (ex: Knex) => {
    await store.db.lockRows(ex('cutover_runs').where({ id: run.id }).select('id'));
    const latest = await latestSignoffOfRun(ex, run.id);
    if (latest && latest.status !== 'rejected')
      throw new UsageError(
        `Run ${run.id} is already ${whoText(latest)}.`,
        latest.status === 'superseded'
          ? 'A later run moved its figures beyond materiality: prepare the later run instead.'
          : '`cutover signoff list` shows its certification.',
      );
    // Reads outside the transaction's connection on a server store: plain reads, nothing locked.
    const moved = await movedSince(store, run);
    if (moved)
      throw new UsageError(
        `Run ${run.id} is out of date: the later run ${moved.id} moved its figures beyond materiality: ${moved.why}.`,
        `Prepare the later run instead (cutover signoff prepare ${moved.id} --note …).`,
      );
    const open = await openMaterialItems(ex, run.figures);
    const unknown = [...itemNotes.keys()].filter((id) => !open.includes(id));
    if (unknown.length)
      throw new UsageError(
        `--item-note names ${unknown.join(', ')}, which ${unknown.length === 1 ? 'is not an' : 'are not'} open material item${unknown.length === 1 ? '' : 's'} of run ${run.id}.`,
        open.length
          ? `Its open material items are ${open.join(', ')}.`
          : 'The run has no open material item.',
      );
    const missing = open.filter((id) => !itemNotes.has(id));
    if (missing.length && !req.acceptOpen)
      throw new UsageError(
        `Run ${run.id} is material and has ${missing.length} open material item${missing.length === 1 ? '' : 's'} without a note: ${missing.join(', ')}.`,
        `Give --item-note ID="why" for each, or --accept-open to accept them open (recorded in the history).`,
      );
    const at = (req.now ?? new Date()).toISOString();
    const signoff = await insertSignoff(
      ex,
      { runId: run.id, mapping: run.name ?? '', preparer, preparedAt: at, acceptedOpen: missing.length > 0 },
      {
        at,
        who: preparer,
        action: 'prepare',
        note,
        detail: {
          material: isMaterialRun(run.figures),
          ...(run.figures.materiality ? { absDifference: run.figures.materiality.absDifference } : {}),
          ...(itemNotes.size ? { itemNotes: Object.fromEntries(itemNotes) } : {}),
          ...(missing.length ? { acceptedOpen: missing } : {}),
        },
      },
    );
    return { action: 'prepare' as const, signoff, openItems: open };
  });
}

/** Records an automatic preparation (cutover.yaml `signoff.autoPrepare`), inside the caller's transaction. */
export async function autoPrepare(
  ex: Knex,
  run: { runId: string; mapping: string; note: string; detail: unknown },
): Promise<SignoffRecord | undefined> {
  const latest = await latestSignoffOfRun(ex, run.runId);
  if (latest) return undefined;
  const at = new Date().toISOString();
  return insertSignoff(
    ex,
    { runId: run.runId, mapping: run.mapping, preparer: AUTO_PREPARER, preparedAt: at, acceptedOpen: false },
    { at, who: AUTO_PREPARER, action: 'auto-prepare', note: run.note, detail: run.detail },
  );
}

export interface ReviewRequest {
  runId: string;
  note: string;
  /** Reject: the reason code. */
  reason?: string;
  user?: string;
  now?: Date;
}

/**
 * Approves or rejects a prepared run. The reviewer must not be its preparer (segregation of duties);
 * a run not prepared, already reviewed or superseded is refused. All refusals are UsageErrors (exit 2).
 */
export async function reviewSignoff(
  store: ControlStore,
  action: 'approve' | 'reject',
  req: ReviewRequest,
): Promise<SignoffResult> {
  const note = requireNote(req.note, action === 'approve' ? 'approving a run' : 'rejecting a run');
  let reason: RejectReason | undefined;
  if (action === 'reject') {
    if (!REJECT_REASON_CODES.includes(req.reason as RejectReason))
      throw new UsageError(
        `"${req.reason ?? ''}" is not a rejection reason.`,
        `Use --reason with one of ${REJECT_REASON_CODES.join(', ')}.`,
      );
    reason = req.reason as RejectReason;
  }
  const run = await getRun(store, req.runId, 'reconcile');
  const reviewer = currentUser(req.user);
  const verb = action === 'approve' ? 'approve' : 'reject';
  return store.db.exclusiveTransaction(async (ex: Knex) => {
    const s = await latestSignoffOfRun(ex, run.id);
    if (!s)
      throw new UsageError(
        `Run ${run.id} is not prepared for sign-off, so there is nothing to ${verb}.`,
        `Its preparer runs \`cutover signoff prepare ${run.id} --note …\` first.`,
      );
    if (s.status !== 'prepared')
      throw new UsageError(
        `Run ${run.id} cannot be ${action === 'approve' ? 'approved' : 'rejected'}: it is ${whoText(s)}.`,
        s.status === 'rejected'
          ? `Prepare it again first (cutover signoff prepare ${run.id} --note …).`
          : '`cutover signoff list` shows its certification.',
      );
    if (samePerson(s.preparer, reviewer))
      throw new UsageError(
        `Segregation of duties: ${s.preparer} prepared run ${run.id}; another person must ${verb} it.`,
        `Ask a second person to run \`cutover signoff ${verb} ${run.id}\` as themselves (CUTOVER_USER, else their OS user).`,
      );
    const at = (req.now ?? new Date()).toISOString();
    const status = action === 'approve' ? 'approved' : 'rejected';
    const set = { status, reviewer, reviewedAt: at, ...(reason ? { reason } : {}) } as const;
    const ok = await updateSignoff(ex, s, set, { at, who: reviewer, action, note, reason: reason ?? null });
    if (!ok)
      throw new UsageError(
        `Run ${run.id}'s certification changed while you ${action === 'approve' ? 'approved' : 'rejected'} it.`,
        '`cutover signoff list` shows it now; run the command again if it still applies.',
      );
    return { action, signoff: { ...s, ...set, reason: reason ?? s.reason, version: s.version + 1 } };
  });
}
