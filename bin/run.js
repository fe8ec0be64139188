#!/usr/bin/env node
import { execute, settings } from '@oclif/core';
import { guardStdStreams } from '../dist/src/cli/std-streams.js';

// The built commands run, whatever NODE_ENV says: under NODE_ENV=development or test, oclif would
// load TypeScript and tsx to run the sources instead (1.4 s against 0.5 s for `runs list`), or warn
// on every command where TypeScript is not installed. bin/dev.js runs the sources.
settings.enableAutoTranspile = false;
// Before any output: help and --version write to stdout outside any command (src/cli/std-streams.ts).
guardStdStreams();
await execute({ dir: import.meta.url });
