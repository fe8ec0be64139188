#!/usr/bin/env node
// Runs the TypeScript sources directly, without a build (uses the dev dependency tsx).
import { register } from 'tsx/esm/api';
import { execute } from '@oclif/core';

register();
await execute({ development: true, dir: import.meta.url });
