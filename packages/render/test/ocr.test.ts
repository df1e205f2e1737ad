import { createPainter, sceneLayoutOf } from '../src/painter';
import { fixturePlan } from '../src/plan-fixtures';
import { norm, ocr } from './helpers';

/**
 * OCR with the real tesseract on painted frames (1280×720). The language
 * packs ara, heb and chi_sim are required: .ci/run installs them, and a
 * missing one fails the test.
 */
describe('OCR of painted frames', () => {
  it('reads the title and each bullet once entered, and not a bullet before its entrance', () => {
    const items = ['Panels on the roof', 'An inverter in the garage', 'A meter that counts both ways'];
    const plan = fixturePlan([{ layout: 'bullets', content: { title: 'What you need', items }, seconds: 4 }], { quality: 'medium' });
    const painter = createPainter(plan);
    const third = sceneLayoutOf(painter, 0).elements.find((e) => e.id === 'item-2')!.window;
    const before = norm(ocr(painter.frame(third.from - 1), plan.width, plan.height, 'eng'));
    expect(before).toContain('whatyouneed');
    expect(before).toContain('panelsontheroof');
    expect(before).toContain('aninverterinthegarage');
    expect(before).not.toContain('countsboth');
    const settled = norm(ocr(painter.frame(plan.totalFrames - 1), plan.width, plan.height, 'eng'));
    expect(settled).toContain('whatyouneed');
    for (const item of items) expect(settled).toContain(norm(item));
  });

  it('reads a counted-up stat at exactly its value with its prefix and thousands separators', () => {
    const plan = fixturePlan([{ layout: 'stat', content: { title: 'Revenue', value: 1234567, prefix: '$', label: 'lastyear' }, seconds: 3 }], { quality: 'medium', theme: 'light' });
    const painter = createPainter(plan);
    // Tesseract reads the big number and drops the small label next to it; the other cases read ordinary text.
    const text = norm(ocr(painter.frame(plan.totalFrames - 1), plan.width, plan.height, 'eng'));
    expect(text).toContain('$1,234,567');
  });

  it('reads Arabic drawn right to left and shaped', () => {
    const text = 'الطاقة الشمسية نظيفة ومتجددة';
    const plan = fixturePlan([{ layout: 'text', content: { text }, seconds: 2 }], { quality: 'medium', theme: 'light' });
    const painter = createPainter(plan);
    const read = norm(ocr(painter.frame(plan.totalFrames - 1), plan.width, plan.height, 'ara'));
    for (const word of ['الطاقة', 'الشمسية', 'نظيفة']) expect(read).toContain(word);
  });

  it('reads Hebrew drawn right to left', () => {
    const text = 'אנרגיה סולארית היא נקייה';
    const plan = fixturePlan([{ layout: 'text', content: { text }, seconds: 2 }], { quality: 'medium', theme: 'light' });
    const painter = createPainter(plan);
    const read = norm(ocr(painter.frame(plan.totalFrames - 1), plan.width, plan.height, 'heb'));
    for (const word of ['אנרגיה', 'סולארית', 'נקייה']) expect(read).toContain(word);
  });

  it('reads Chinese', () => {
    const plan = fixturePlan([{ layout: 'bullets', content: { title: '太阳能发电', items: ['屋顶上的太阳能板', '逆变器'] }, seconds: 3 }], { quality: 'medium', theme: 'light' });
    const painter = createPainter(plan);
    const read = ocr(painter.frame(plan.totalFrames - 1), plan.width, plan.height, 'chi_sim').replace(/\s+/g, '');
    for (const phrase of ['太阳能发电', '太阳能板', '逆变器']) expect(read).toContain(phrase);
  });
});
