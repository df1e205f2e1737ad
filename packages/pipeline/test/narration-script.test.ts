import { narrationScript, partSpans, spokenTimeline, type WordTiming } from '../src';

const w = (text: string, startSeconds: number, endSeconds: number): WordTiming => ({ text, startSeconds, endSeconds });

describe('narration scripts and spoken timelines (pure)', () => {
  it('speaks the visible text an element a sentence: title, each item, a stat’s number with its label', () => {
    const bullets = narrationScript('bullets', { title: 'Three steps', items: ['Write the script', 'Record it!', '---'] });
    expect(bullets.text).toBe('Three steps.\nWrite the script.\nRecord it!');
    expect(bullets.parts.map((p) => [p.role, p.item])).toEqual([
      ['title', undefined],
      ['item', 0],
      ['item', 1],
    ]);
    expect(narrationScript('stat', { title: 'Share', value: 42.5, suffix: '%', label: 'of people' }).text).toBe('Share.\n42.5% of people.');
    expect(narrationScript('steps', { title: 'Then:', items: ['mix it -'] }).text).toBe('Then.\nmix it.');
    const comparison = narrationScript('comparison', { left: { heading: 'Old', items: ['slow'] }, right: { heading: 'New', items: ['fast', 'cheap'] } });
    expect(comparison.parts.filter((p) => p.role === 'item').map((p) => [p.text, p.item])).toEqual([
      ['slow.', 0],
      ['fast.', 1],
      ['cheap.', 2],
    ]);
    // The author's narration is said instead, a sentence a line.
    expect(narrationScript('bullets', { items: ['a'] }, 'First this. Then that.')).toEqual({ text: 'First this.\nThen that.', parts: [], custom: true });
  });

  it('aligns words to parts by their tokens (an untimed token rides with its neighbour)', () => {
    const parts = narrationScript('bullets', { title: 'Steps', items: ['Write it - now', 'Mix'] }).parts;
    const words = [w('Steps.', 0.1, 0.5), w('Write', 0.8, 1.0), w('it -', 1.0, 1.2), w('now.', 1.2, 1.5), w('Mix.', 1.9, 2.3)];
    expect(partSpans(parts, words)).toEqual([
      { startSeconds: 0.1, endSeconds: 0.5 },
      { startSeconds: 0.8, endSeconds: 1.5 },
      { startSeconds: 1.9, endSeconds: 2.3 },
    ]);
  });

  it('builds each item as it is spoken and counts a stat up while its sentence is spoken', () => {
    const content = { title: 'Steps', items: ['Write it', 'Mix'] };
    const script = narrationScript('bullets', content);
    const words = [w('Steps.', 0.1, 0.5), w('Write', 0.8, 1.0), w('it.', 1.0, 1.2), w('Mix.', 1.9, 2.3)];
    expect(spokenTimeline({ layout: 'bullets', content, animation: 'auto', script, words, sentences: [] })).toEqual({ title: 0, body: 0.6, items: [0.8, 1.9] });
    expect(spokenTimeline({ layout: 'bullets', content, animation: 'none', script, words, sentences: [] })).toBeNull();
    expect(spokenTimeline({ layout: 'text', content: { text: 'x' }, animation: 'auto', script: narrationScript('text', { text: 'x' }), words: [w('x.', 0, 1)], sentences: [] })).toBeNull();

    const stat = { title: 'Share', value: 42, suffix: '%', label: 'agree' };
    const statWords = [w('Share.', 0.1, 0.6), w('42%', 0.9, 1.8), w('agree.', 1.8, 2.4)];
    expect(spokenTimeline({ layout: 'stat', content: stat, animation: 'auto', script: narrationScript('stat', stat), words: statWords, sentences: [] })).toMatchObject({ body: 0.9, countSeconds: 1.5 });
  });

  it('with the author’s narration: items go with the last sentences, one each; fewer sentences share them out', () => {
    const content = { title: 'Steps', items: ['a', 'b'] };
    const script = narrationScript('bullets', content, 'Here is how. First a. Then b.');
    const sentences = [0.1, 1.2, 2.5].map((t, index) => ({ index, text: 's', startSeconds: t, endSeconds: t + 1 }));
    expect(spokenTimeline({ layout: 'bullets', content, animation: 'auto', script, words: [], sentences })!.items).toEqual([1.2, 2.5]);
    const three = { items: ['a', 'b', 'c'] };
    expect(spokenTimeline({ layout: 'bullets', content: three, animation: 'auto', script: narrationScript('bullets', three, 'One. Two.'), words: [], sentences: sentences.slice(0, 2) })!.items).toEqual([0.1, 0.5, 1.2]);
  });
});
