import { selectImages, type StageImage } from './select';

const image = (id: string, tag: string, created: number): StageImage => ({ id, tags: [`acme-zlib:${tag}`], created, size: 100 });
const IMAGES = [image('old', 'W45-a', 1), image('mid', 'W46-b', 2), image('new', 'W47-c', 3)];
const ids = (images: StageImage[]) => images.map((i) => i.id);

describe('prune selection', () => {
  it('keeps the current tag only by default', () => {
    const selection = selectImages(IMAGES, 'acme-zlib:W47-c', 1, new Set());
    expect(ids(selection.keep)).toEqual(['new']);
    expect(ids(selection.remove)).toEqual(['mid', 'old']);
  });

  it('keeps the current tag and the most recent others up to keep', () => {
    const selection = selectImages(IMAGES, 'acme-zlib:W45-a', 2, new Set());
    expect(ids(selection.keep)).toEqual(['old', 'new']);
    expect(ids(selection.remove)).toEqual(['mid']);
  });

  it('never removes an image a container uses', () => {
    const selection = selectImages(IMAGES, 'acme-zlib:W47-c', 1, new Set(['old']));
    expect(ids(selection.remove)).toEqual(['mid']);
    expect(ids(selection.inUse)).toEqual(['old']);
  });

  it('refuses a keep below 1', () => {
    expect(() => selectImages(IMAGES, 'acme-zlib:W47-c', 0, new Set())).toThrow('keep: expected a whole number of at least 1, got 0');
  });
});
