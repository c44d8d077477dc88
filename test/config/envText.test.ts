import { describe, expect, it } from 'vitest';
import { looksLikeEnv, parseEnv } from '../../shared/config/envText';
import { parseJsonWithComments, stripJsonComments } from '../../shared/config/jsonWithComments';

describe('Function: parseEnv', () => {
  it.each([
    { case: 'plain', line: 'A=1', value: '1' },
    { case: 'inline comment', line: 'A=6                   # comment', value: '6' },
    { case: 'export prefix', line: 'export A=x', value: 'x' },
    { case: 'double quotes keep #', line: 'A="a # b"', value: 'a # b' },
    { case: 'single quotes', line: "A='q'", value: 'q' },
    { case: 'spaces around =', line: 'A = 2', value: '2' },
    { case: 'empty value', line: 'A=', value: '' },
    { case: 'hash without space is part of the value', line: 'A=abc#def', value: 'abc#def' },
  ])('reads $case', ({ line, value }) => {
    expect(parseEnv(`# header\n\n${line}\n`).get('A')).toEqual({ value, line: 3 });
  });

  it.each([
    { case: 'env lines', text: '# c\nA=1\nB=2\n', env: true },
    { case: 'only comments', text: '# c\n', env: false },
    { case: 'YAML', text: 'a: 1\n', env: false },
    { case: 'mixed', text: 'A=1\nb: 2\n', env: false },
  ])('looksLikeEnv: $case -> $env', ({ text, env }) => {
    expect(looksLikeEnv(text)).toBe(env);
  });
});

describe('Function: parseJsonWithComments', () => {
  it('strips // and /* */ comments and trailing commas, leaving strings alone', () => {
    // Prepare
    const text = '{\n  "url": "http://x//y", // comment\n  /* block */ "s": "a,}",\n  "list": [1, 2,],\n}';
    // Act
    const value = parseJsonWithComments(text);
    // Assess
    expect(value).toEqual({ url: 'http://x//y', s: 'a,}', list: [1, 2] });
  });

  it('keeps escaped quotes inside strings', () => {
    expect(parseJsonWithComments(stripJsonComments('{"a": "say \\"hi\\" // not a comment"}'))).toEqual({ a: 'say "hi" // not a comment' });
  });

  it('throws on broken JSON', () => {
    expect(() => parseJsonWithComments('{"a": ')).toThrow(SyntaxError);
  });
});
