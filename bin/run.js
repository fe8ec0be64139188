#!/usr/bin/env node
import { execute } from '@oclif/core';
import { guardStdStreams } from '../dist/src/cli/std-streams.js';

// Before any output: help and --version write to stdout outside any command (src/cli/std-streams.ts).
guardStdStreams();
await execute({ dir: import.meta.url });
