/**
 * What the CLI does to text from data before a person reads it: escape sequences dropped whole,
 * other control characters shown as `?`, and (issue 13) long decimals and millisecond counts in
 * reasons stored before the engine rounded them made human. Tables of cases.
 */
import { describe, expect, it } from 'vitest';
import { humanText, oneLine, stripControl } from '../../shared/cli/io';

describe('stripControl / oneLine: nothing from data moves the cursor or sets a title', () => {
  it.each([
    { case: 'a colour', text: 'red \u001b[31mtext\u001b[0m', out: 'red text' },
    { case: 'cursor up and erase screen', text: 'a\u001b[1A\u001b[2Jb', out: 'ab' },
    { case: 'a window title (OSC ... BEL)', text: 'x\u001b]0;pwned\u0007y', out: 'xy' },
    { case: 'a hyperlink (OSC ... ST)', text: '\u001b]8;;http://e.x\u001b\\link\u001b]8;;\u001b\\', out: 'link' },
    { case: 'an unterminated OSC loses only its ESC ]', text: 'a\u001b]0;rest of it', out: 'a0;rest of it' },
    { case: 'the one-byte CSI', text: 'a\u009b2Jb', out: 'ab' },
    { case: 'two-character escapes', text: 'a\u001b7b\u001bcc', out: 'abc' },
    { case: 'a lone ESC, CR, backspace, BEL', text: 'a\u001b\rb\bc\u0007', out: 'a??b?c?' },
    { case: 'bidirectional overrides', text: 'abc\u202edef', out: 'abc?def' },
    { case: 'plain text and unicode untouched', text: 'queue_length 27 / 10 per worker -> 3 … ≥ 0', out: 'queue_length 27 / 10 per worker -> 3 … ≥ 0' },
  ])('$case', ({ text, out }) => {
    expect(stripControl(text)).toBe(out);
  });

  it('oneLine: newlines become spaces, after the escapes are gone', () => {
    expect(oneLine('first\nsecond\u001b[31m\n')).toBe('first second ');
    expect(stripControl('first\nsecond')).toBe('first\nsecond');
  });
});

describe('humanText: numbers in stored reasons as a person reads them', () => {
  it.each([
    { text: 'utilization 0.7430894308943089 <= 0.97', out: 'utilization 0.743 <= 0.97' },
    { text: 'mean 12.34567 over 5 samples', out: 'mean 12.3 over 5 samples' },
    { text: 'hold 5 for 59967ms more', out: 'hold 5 for 1m more' },
    { text: 'learnt 86400000ms of 1d history', out: 'learnt 1d of 1d history' },
    { text: 'a job takes 500ms', out: 'a job takes 500ms' },
    { text: 'ratios 0.5 and 0.125 stay', out: 'ratios 0.5 and 0.125 stay' },
    { text: 'negative -0.33333333 too', out: 'negative -0.333 too' },
    { text: 'sdk 3.1164.0 at 127.0.0.1:6379, id abc1.23456x', out: 'sdk 3.1164.0 at 127.0.0.1:6379, id abc1.23456x' },
    { text: 'cooldown 1234567ms; 2.00000001 workers', out: 'cooldown 20m 35s; 2 workers' },
  ])('$text', ({ text, out }) => {
    expect(humanText(text)).toBe(out);
  });
});
