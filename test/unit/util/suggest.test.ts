import { describe, expect, it } from 'vitest';
import { distance, suggest } from '../../../src/util/suggest.js';

describe('suggest', () => {
  it('measures edit distance', () => {
    expect(distance('tolerence', 'tolerance')).toBe(1);
    expect(distance('', 'abc')).toBe(3);
    expect(distance('same', 'same')).toBe(0);
  });

  it('suggests the closest likely typo, case-insensitively', () => {
    expect(suggest('tolerence', ['type', 'scale', 'tolerance'])).toBe('tolerance');
    expect(suggest('readonly', ['url', 'readOnly'])).toBe('readOnly');
  });

  it('suggests nothing when nothing is close', () => {
    expect(suggest('zzzzzzzz', ['url', 'readOnly'])).toBeUndefined();
    expect(suggest('x', [])).toBeUndefined();
  });
});
