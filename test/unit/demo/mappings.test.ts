import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMapping } from '../../../src/config/load-mappings.js';
import { loadEventsMapping } from '../../../src/config/events-schema.js';
import { ROOT } from '../../helpers/cli.js';

const dirs = ['mappings/demo', 'mappings/templates'];

describe('shipped mappings', () => {
  for (const dir of dirs)
    for (const file of fs.readdirSync(path.join(ROOT, dir)).filter((f) => f.endsWith('.yaml')))
      it(`${dir}/${file} is valid and commented`, async () => {
        const full = path.join(ROOT, dir, file);
        if (file === 'events.yaml') {
          const m = await loadEventsMapping(full);
          expect(m.target).toBe('cloud');
          expect(m.events['refund.issued']?.irreversible).toBe(true);
        } else {
          const m = await loadMapping(full);
          expect(m.name).toBe(dir.endsWith('demo') ? file.replace('.yaml', '') : m.name);
          expect(m.legacy.connection).toBeTruthy();
        }
        expect(fs.readFileSync(full, 'utf8')).toMatch(/^# /m);
      });

  it('the demo mappings use the transforms a template should show', () => {
    const text = ['inventory', 'refunds', 'postings']
      .map((n) => fs.readFileSync(path.join(ROOT, 'mappings/demo', `${n}.yaml`), 'utf8'))
      .join('\n');
    for (const word of [
      'map:',
      'multiply:',
      'divide:',
      'timezone:',
      'signFrom:',
      'tolerance:',
      'absentAsZero:',
      'totals:',
      'window:',
    ])
      expect(text).toContain(word);
  });
});
