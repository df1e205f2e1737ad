import { THEME_NAMES } from '@vidgen/core';
import { PALETTES, contrastRatio, relativeLuminance } from '../src/palettes';

describe('palettes', () => {
  it('computes WCAG contrast like the spec (black on white is 21:1, a colour on itself 1:1)', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#777777')).toBe(1);
    expect(relativeLuminance('#ffffff')).toBe(1);
    // #767676 on white is the classic just-passing grey (4.54:1).
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
  });

  it.each(THEME_NAMES)('%s: every text colour reads at >= 4.5:1 on both background stops and on the surface', (theme) => {
    const p = PALETTES[theme];
    const grounds = { 'background[0]': p.background[0], 'background[1]': p.background[1], surface: p.surface };
    const failures: string[] = [];
    for (const [name, fg] of Object.entries({ text: p.text, muted: p.muted, accent: p.accent })) {
      for (const [gname, bg] of Object.entries(grounds)) {
        const ratio = contrastRatio(fg, bg);
        if (ratio < 4.5) failures.push(`${name} on ${gname}: ${ratio.toFixed(2)}`);
      }
    }
    // Step numbers and the "vs" badge are drawn on the accent.
    const onAccent = contrastRatio(p.onAccent, p.accent);
    if (onAccent < 4.5) failures.push(`onAccent on accent: ${onAccent.toFixed(2)}`);
    expect(failures).toEqual([]);
  });

  it('has a palette for every theme name in core', () => {
    expect(Object.keys(PALETTES).sort()).toEqual([...THEME_NAMES].sort());
  });
});
