import { describe, expect, it } from 'vitest';
import { identityKey, samePerson } from '../../../src/signoff/workflow.js';

describe('samePerson', () => {
  it('is blind to Unicode composition, invisible format characters, case and outer spaces', () => {
    expect(samePerson('Jos\u00e9', 'Jose\u0301')).toBe(true);
    expect(samePerson('bob', 'bob\u200b')).toBe(true);
    for (const c of ['\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad'])
      expect(samePerson('bob', `b${c}ob`)).toBe(true);
    expect(samePerson(' ALICE ', 'alice')).toBe(true);
    expect(samePerson('alice', 'bob')).toBe(false);
    expect(samePerson('Jose', 'José')).toBe(false);
    expect(identityKey('Jose\u0301')).toBe('jos\u00e9');
  });
});
