import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../shared/config/load';

describe('Function: parseConfigText (YAML tags)', () => {
  it.each([
    { case: 'a js/function tag', text: 'pools: !!js/function "x"' },
    { case: 'a custom tag', text: 'pools:\n  - !custom { id: a }' },
  ])('refuses $case as a file problem naming the line', ({ text }) => {
    const { config, problems } = parseConfigText(text);
    expect(config).toBeUndefined();
    expect(problems).toEqual([expect.objectContaining({ path: '(file)', severity: 'error', message: expect.stringMatching(/Unresolved tag.*line 1|line 2/) })]);
  });

  it('still reads standard tags such as !!str and !!int', () => {
    const { config } = parseConfigText('pools:\n  - id: !!str a1\n    target: { kind: none }\n    min: !!int "0"\n    max: 2\n');
    expect(config?.pools[0]).toMatchObject({ id: 'a1', min: 0, max: 2 });
  });
});
