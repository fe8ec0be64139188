/**
 * Temporary spill folders, named by the process that owns them (`cutover-spill-<pid>-XXXXXX` in the
 * OS temp folder), so that none outlives its process: a normal exit and SIGINT/SIGTERM remove this
 * process's own, and the first one a process makes first removes those of processes that are gone
 * (killed with -9, out of memory), which nothing else could clean. The same exit and signals remove
 * the temp files a write has under way (`removedIfInterrupted`: a report or differences.jsonl
 * written under a `.tmp` name before its rename), and the run's folder made for them when it is
 * left empty.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processAlive } from './process-alive.js';

export const SPILL_PREFIX = 'cutover-spill-';

const mine = new Set<string>();
/** Temp files under way, and folders made for them (removed only when empty): see removedIfInterrupted. */
const tempFiles = new Set<string>();
const tempFolders = new Set<string>();
const swept = new Set<string>();
let hooked = false;

/** Creates a spill folder for this process under `parent` (default: the OS temp folder). */
export function makeSpillDir(parent = os.tmpdir()): string {
  sweepSpillDirs(parent);
  hook();
  const dir = fs.mkdtempSync(path.join(parent, `${SPILL_PREFIX}${process.pid}-`));
  mine.add(dir);
  return dir;
}

/** Once per process and folder: removes the spill folders there whose process is gone. */
export function sweepSpillDirs(parent = os.tmpdir()): void {
  if (swept.has(parent)) return;
  swept.add(parent);
  removeOrphanSpillDirs(parent);
}

/** Removes a spill folder of this process. */
export function removeSpillDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  mine.delete(dir);
}

/** Removes the spill folders under `parent` whose process is gone; returns their paths. */
export function removeOrphanSpillDirs(parent = os.tmpdir()): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = /^cutover-spill-(\d+)-/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    const dir = path.join(parent, name);
    // This process's id on a folder it did not make: an earlier process that had the same id.
    if ((pid === process.pid && !mine.has(dir)) || (pid !== process.pid && !processAlive(pid))) {
      try {
        fs.rmSync(dir, { recursive: true, force: true });
        removed.push(dir);
      } catch {
        /* another process removed it first, or it is not ours to remove */
      }
    }
  }
  return removed;
}

/**
 * Registers a temp file a write has under way (and the folder made for it, if any): removed, and the
 * folder with it when nothing else is in it, should the process end (exit, SIGINT, SIGTERM) before
 * the returned function is called, once the file is renamed into place or removed.
 */
export function removedIfInterrupted(file: string, folderMadeForIt?: string): () => void {
  hook();
  tempFiles.add(file);
  if (folderMadeForIt) tempFolders.add(folderMadeForIt);
  return () => {
    tempFiles.delete(file);
    if (folderMadeForIt) tempFolders.delete(folderMadeForIt);
  };
}

function removeMine(): void {
  for (const dir of mine) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      /* best effort on the way out */
    }
  }
  mine.clear();
  for (const file of tempFiles) fs.rmSync(file, { force: true });
  tempFiles.clear();
  for (const dir of tempFolders) {
    try {
      fs.rmdirSync(dir); // only when empty
    } catch {
      /* it holds something else, or is gone */
    }
  }
  tempFolders.clear();
}

/**
 * On exit, and on SIGINT/SIGTERM: remove this process's folders. A signal nobody else handles then
 * ends the process as it would have without this hook (re-raised with the default action).
 */
function hook(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', removeMine);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      removeMine();
      if (process.listenerCount(sig) === 1) {
        process.off(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}
