import { describe, expect, it } from 'vitest';
import { globToLuaPattern, literalPrefix } from '../../shared/adapters/redis/globToLuaPattern';

describe('Function: globToLuaPattern', () => {
  it.each([
    { case: 'a prefix glob', glob: 'bot_status:*', expected: '^bot%_status%:.*$' },
    { case: 'a single-character wildcard', glob: 'q?', expected: '^q.$' },
    { case: 'Lua magic characters', glob: 'a.b%c(d)+-^$', expected: '^a%.b%%c%(d%)%+%-%^%$$' },
    { case: 'escaped glob characters', glob: 'x\\*\\?', expected: '^x%*%?$' },
    { case: 'a trailing backslash', glob: 'x\\', expected: '^x%\\$' },
    { case: 'a character class', glob: 'bot_[ab]:*', expected: undefined },
  ])('translates $case', ({ glob, expected }) => {
    // Act
    const pattern = globToLuaPattern(glob);

    // Assess
    expect(pattern).toBe(expected);
  });
});

describe('Function: literalPrefix', () => {
  it.each([
    { case: 'a prefix glob', glob: 'bot_status:*', expected: 'bot_status:' },
    { case: 'no metacharacter', glob: 'celery', expected: 'celery' },
    { case: 'an escape first', glob: 'a\\*b*', expected: 'a' },
    { case: 'a class', glob: 'x[ab]', expected: 'x' },
  ])('reads $case', ({ glob, expected }) => {
    // Act
    const prefix = literalPrefix(glob);

    // Assess
    expect(prefix).toBe(expected);
  });
});
