import { VidgenApiError } from '@vidgen/client';
import { fieldErrors } from '../src/errors';
import { move, toApiScene, type SceneDraft } from '../src/views/scenes';
import { parseStoryboard, tileAt } from '../src/views/storyboard';
import { changesBetween } from '../src/views/metadata-diff';

/** The studio's pure pieces: scene drafts to API scenes, error routing to fields, storyboard cues, metadata diffs. */

const draft = (layout: string, values: Record<string, string>, duration = ''): SceneDraft => ({ key: 1, layout, duration, values });

describe('toApiScene', () => {
  it('sends only the layout’s fields, lists split by line, numbers as numbers', () => {
    expect(toApiScene(draft('bullets', { items: ' a \n\n b ', title: 'T', quote: 'not a bullets field' }, '3'), ['items', 'title'])).toEqual({
      layout: 'bullets',
      duration_seconds: 3,
      items: ['a', 'b'],
      title: 'T',
    });
    expect(toApiScene(draft('stat', { value: '42', suffix: '%' }), ['value', 'title', 'prefix', 'suffix', 'label'])).toEqual({ layout: 'stat', value: 42, suffix: '%' });
  });
  it('builds charts and comparison sides from their inputs', () => {
    expect(toApiScene(draft('chart', { chart_type: 'line', chart_labels: 'a, b', chart_values: '1, 2.5', chart_unit: 'kg' }), ['chart', 'title'])).toEqual({
      layout: 'chart',
      chart: { type: 'line', labels: ['a', 'b'], values: [1, 2.5], unit: 'kg' },
    });
    expect(toApiScene(draft('comparison', { left_heading: 'Then', left_items: 'x\ny', right_heading: 'Now' }), ['left', 'right', 'title'])).toEqual({
      layout: 'comparison',
      left: { heading: 'Then', items: ['x', 'y'] },
      right: { heading: 'Now', items: [] },
    });
  });
  it('passes text that is not a number as is, for the API to refuse by name', () => {
    expect(toApiScene(draft('text', { text: 'x' }, 'ten'), ['text', 'title'])).toEqual({ layout: 'text', text: 'x', duration_seconds: 'ten' });
  });
});

describe('move', () => {
  it('moves an item by places, clamped to the ends', () => {
    expect(move(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(move(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
    expect(move(['a', 'b', 'c'], 0, 5)).toEqual(['b', 'c', 'a']);
  });
});

describe('fieldErrors', () => {
  const error = (details: unknown) => new VidgenApiError({ status: 400, code: 'VALIDATION_FAILED', message: 'The request is invalid.', details, correlationId: 'c-1' });
  const known = (f: string) => ['configuration.topic', 'configuration.scenes.0', 'configuration.scenes.0.chart'].includes(f);
  it('puts each problem on its field or the nearest enclosing one, without the field’s name', () => {
    const { fields, general } = fieldErrors(
      error([
        { field: 'configuration.topic', message: "'configuration.topic' is not allowed to be empty" },
        { field: 'configuration.scenes[0].chart.values.1', message: "'configuration.scenes[0].chart.values[1]' must be a number" },
        { field: 'configuration.scenes[0]', message: 'the scene is too long' },
      ]),
      known,
    );
    expect(fields).toEqual({ 'configuration.topic': 'Is not allowed to be empty', 'configuration.scenes.0.chart': 'Must be a number', 'configuration.scenes.0': 'The scene is too long' });
    expect(general).toEqual([]);
  });
  it('lists problems on fields the form does not show, with the error and its correlation id', () => {
    const { fields, general } = fieldErrors(error([{ field: 'callback_url', message: 'bad' }]), known);
    expect(fields).toEqual({});
    expect(general).toEqual(['The request is invalid. (VALIDATION_FAILED, correlation id c-1)', 'callback_url: bad']);
  });
});

describe('parseStoryboard', () => {
  const vtt = 'WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nsprite.jpg?X-Amz-Signature=a#xywh=0,0,160,90\n\n00:00:02.000 --> 00:01:04.500\nhttps://cdn.example.com/s.jpg#xywh=160,0,160,90\n\nnot a cue\n';
  it('reads each cue’s time range and sprite region, URLs resolved against the track', () => {
    const tiles = parseStoryboard(vtt, 'http://api.example.com/api/v1/videos/jobs/x/storyboard.vtt?token=t');
    expect(tiles).toEqual([
      { start: 0, end: 2, url: 'http://api.example.com/api/v1/videos/jobs/x/sprite.jpg?X-Amz-Signature=a', x: 0, y: 0, w: 160, h: 90 },
      { start: 2, end: 64.5, url: 'https://cdn.example.com/s.jpg', x: 160, y: 0, w: 160, h: 90 },
    ]);
    expect(tileAt(tiles, 1.5)?.x).toBe(0);
    expect(tileAt(tiles, 3)?.x).toBe(160);
    expect(tileAt(tiles, 99)?.x).toBe(160);
    expect(tileAt([], 1)).toBeNull();
  });
});

describe('changesBetween', () => {
  it('names the fields that differ between two versions', () => {
    expect(changesBetween({ title: 'a', description: '', tags: [] }, { title: 'a', description: 'd', tags: ['x', 'y'] })).toEqual([
      { field: 'description', was: '(empty)', now: 'd' },
      { field: 'tags', was: '(empty)', now: 'x, y' },
    ]);
  });
});

describe('toApiScene with narration', () => {
  it('sends the spoken text when the job is narrated and it is given', () => {
    expect(toApiScene(draft('text', { text: 'On screen', narration: ' Said aloud ' }), ['text', 'title', 'narration'])).toEqual({ layout: 'text', text: 'On screen', narration: 'Said aloud' });
    expect(toApiScene(draft('text', { text: 'On screen', narration: 'Said aloud' }), ['text', 'title'])).toEqual({ layout: 'text', text: 'On screen' });
  });
});
