import { checkStageTag, imageKeyFailure, tagCheckFailure, updateCommandFor } from './check';
import { DeclaredTagsError, ensureDeclaredStagesExist, parseDeclaredTags } from './declared-tags-file';
import { unifiedDiff } from './diff';
import { compilePatterns, selectStages } from './select';
import { bucketOf, keyMatchesTag, tagPartOf } from './tags';
import { withDeclaredTags } from './update';

const FILE = 'stagecraft-tags.yml';
const KEY_A = 'aaaaaaaaaaaaaaaa' + '0'.repeat(48);
const TEXT = [
  '# Declared stage tags: update with nx g @stagecraft/nx:update-tags',
  'base: 2026-W47-1111111111111111 # the busybox base',
  '',
  '# libraries',
  'lib-a: "2026-W47-aaaaaaaaaaaaaaaa"',
  'lib-b: 2026-W47-2222222222222222',
  '',
].join('\n');

describe('the declared-tags file', () => {
  it('reads stage names, tags and their lines', () => {
    const declared = parseDeclaredTags(TEXT, FILE);
    expect([...declared.declarations]).toEqual([
      ['base', { tag: '2026-W47-1111111111111111', line: 2 }],
      ['lib-a', { tag: '2026-W47-aaaaaaaaaaaaaaaa', line: 5 }],
      ['lib-b', { tag: '2026-W47-2222222222222222', line: 6 }],
    ]);
  });

  it('reads an empty file, or one with only comments, as no declarations', () => {
    expect(parseDeclaredTags('', FILE).declarations.size).toBe(0);
    expect(parseDeclaredTags('# nothing yet\n', FILE).declarations.size).toBe(0);
  });

  it('keeps a tag that looks like a number exactly as written', () => {
    expect(parseDeclaredTags('x: 1234567890123456\ny: 12e4\n', FILE).declarations.get('y')?.tag).toBe('12e4');
  });

  it.each([
    ['malformed YAML', 'base: [1\nlib: 2\n', /^stagecraft-tags\.yml:2: not valid YAML: /],
    ['a duplicate stage', 'a: x\na: y\n', /^stagecraft-tags\.yml:2: not valid YAML: Map keys must be unique/],
    ['a list instead of a mapping', '- a\n- b\n', /^stagecraft-tags\.yml:1: expected a mapping of stage names to tags/],
    ['a stage without a tag', 'a: x\nb:\n', /^stagecraft-tags\.yml:2: stage 'b' must map to a tag string/],
    ['a nested value', 'a: {b: c}\n', /^stagecraft-tags\.yml:1: stage 'a' must map to a tag string/],
    ['two documents', 'a: x\n---\nb: y\n', /^stagecraft-tags\.yml:2: not valid YAML/],
  ])('rejects %s naming the file and line', (_what, text, message) => {
    expect(() => parseDeclaredTags(text, FILE)).toThrow(DeclaredTagsError);
    expect(() => parseDeclaredTags(text, FILE)).toThrow(message);
  });

  it('names a declared stage the workspace does not have, with its line', () => {
    const declared = parseDeclaredTags(TEXT, FILE);
    expect(() => ensureDeclaredStagesExist(declared, ['base', 'lib-a', 'lib-b'])).not.toThrow();
    expect(() => ensureDeclaredStagesExist(declared, ['base', 'lib-a'])).toThrow(
      "stagecraft-tags.yml:6: declares stage 'lib-b', but the workspace has no stage of that name: remove the entry or rename it to an existing stage",
    );
  });
});

describe('tags', () => {
  it('takes the tag part of an image reference, registry ports included', () => {
    expect(tagPartOf('127.0.0.1:5000/sc-lib:2026-W47-aaaaaaaaaaaaaaaa')).toBe('2026-W47-aaaaaaaaaaaaaaaa');
    expect(tagPartOf('sc-lib:aaaaaaaaaaaaaaaa')).toBe('aaaaaaaaaaaaaaaa');
  });

  it('finds the time bucket of a tag', () => {
    expect(bucketOf('2026-W47-aaaaaaaaaaaaaaaa')).toBe('2026-W47');
    expect(bucketOf('2026-11-21-aaaaaaaaaaaaaaaa')).toBe('2026-11-21');
    expect(bucketOf('aaaaaaaaaaaaaaaa')).toBe('');
  });

  it('matches an image key label against a declared tag by the key part only', () => {
    expect(keyMatchesTag(KEY_A, '2026-W47-aaaaaaaaaaaaaaaa')).toBe(true);
    expect(keyMatchesTag(KEY_A, 'aaaaaaaaaaaaaaaa')).toBe(true);
    expect(keyMatchesTag(KEY_A, '2026-W47-aaaaaaaaaaaaaaab')).toBe(false);
    expect(keyMatchesTag(KEY_A, 'xaaaaaaaaaaaaaaaa')).toBe(false);
    expect(keyMatchesTag('not-a-key', 'aaaaaaaaaaaaaaaa')).toBe(false);
  });
});

describe('checking a stage', () => {
  const declared = parseDeclaredTags(TEXT, FILE);

  it('passes when the computed tag is the declared one', () => {
    const check = checkStageTag('lib-a', 'sc-lib-a:2026-W47-aaaaaaaaaaaaaaaa', declared);
    expect(check.status).toBe('match');
    expect(tagCheckFailure(check, declared, true)).toBeUndefined();
  });

  it('fails a mismatch with both tags, the line and the command that updates it', () => {
    const check = checkStageTag('lib-a', 'sc-lib-a:2026-W47-bbbbbbbbbbbbbbbb', declared);
    expect(tagCheckFailure(check, declared, false)).toBe(
      'stage lib-a: computed tag 2026-W47-bbbbbbbbbbbbbbbb does not match the declared tag 2026-W47-aaaaaaaaaaaaaaaa (stagecraft-tags.yml:5). ' +
        "Update the declaration with: nx g @stagecraft/nx:update-tags --include='^lib-a$'",
    );
  });

  it('says when the time bucket moved', () => {
    const check = checkStageTag('lib-a', 'sc-lib-a:2026-W48-bbbbbbbbbbbbbbbb', declared);
    expect(tagCheckFailure(check, declared, false)).toContain('The time bucket moved from 2026-W47 to 2026-W48');
  });

  it('fails an undeclared stage only when declarations are required', () => {
    const check = checkStageTag('lib-c', 'sc-lib-c:2026-W47-cccccccccccccccc', declared);
    expect(check.status).toBe('undeclared');
    expect(tagCheckFailure(check, declared, false)).toBeUndefined();
    expect(tagCheckFailure(check, declared, true)).toMatch(/stage lib-c has no declared tag in stagecraft-tags\.yml and requireDeclaredTags is on; its computed tag is 2026-W47-cccccccccccccccc/);
  });

  it('checks an image key label at run time, naming both', () => {
    expect(imageKeyFailure('lib-a', 'sc-lib-a:x', KEY_A, declared, false, 'docker-stage')).toBeUndefined();
    const other = 'b'.repeat(64);
    expect(imageKeyFailure('lib-a', 'sc-lib-a:x', other, declared, false, 'docker-stage')).toMatch(
      new RegExp(`image sc-lib-a:x carries key ${other} .*declared for stage lib-a in stagecraft-tags\\.yml:5 \\(2026-W47-aaaaaaaaaaaaaaaa\\): refusing to run it`),
    );
    expect(imageKeyFailure('lib-a', 'sc-lib-a:x', other, declared, false, 'image')).toContain('Rebuild the stage (nx run lib-a:image --force)');
    expect(imageKeyFailure('lib-a', 'sc-lib-a:x', undefined, declared, false, 'docker-stage')).toContain('carries no dev.stagecraft.key label');
    expect(imageKeyFailure('lib-c', 'sc-lib-c:x', other, declared, false, 'docker-stage')).toBeUndefined();
    expect(imageKeyFailure('lib-c', 'sc-lib-c:x', other, declared, true, 'docker-stage')).toContain('requireDeclaredTags is on');
  });

  it('escapes regex characters in the update command', () => {
    expect(updateCommandFor('py3.11')).toBe("nx g @stagecraft/nx:update-tags --include='^py3\\.11$'");
  });
});

describe('updating the file', () => {
  const declared = parseDeclaredTags(TEXT, FILE);

  it('changes entries in place and appends new ones, keeping comments, order and quoting', () => {
    const updated = withDeclaredTags(declared, new Map([
      ['lib-a', '2026-W47-bbbbbbbbbbbbbbbb'],
      ['lib-c', '2026-W47-cccccccccccccccc'],
      ['base', '2026-W47-1111111111111111'],
    ]));
    expect(updated).toBe(TEXT.replace('"2026-W47-aaaaaaaaaaaaaaaa"', '"2026-W47-bbbbbbbbbbbbbbbb"') + 'lib-c: 2026-W47-cccccccccccccccc\n');
  });

  it('returns the text untouched when nothing changes', () => {
    expect(withDeclaredTags(declared, new Map([['base', '2026-W47-1111111111111111']]))).toBe(TEXT);
  });

  it('starts an empty file', () => {
    expect(withDeclaredTags(parseDeclaredTags('', FILE), new Map([['a', 'aaaaaaaaaaaaaaaa']]))).toBe('a: aaaaaaaaaaaaaaaa\n');
  });

  it('quotes a tag other YAML readers would take for a number', () => {
    expect(withDeclaredTags(parseDeclaredTags('a: x\n', FILE), new Map([['a', '1234567890123456']]))).toBe('a: "1234567890123456"\n');
  });
});

describe('selecting stages', () => {
  const stages = ['base', 'lib-a', 'lib-b', 'app'];
  const declaredStages = new Set(['base', 'lib-a']);

  it('selects the declared stages by default, every stage with --all', () => {
    expect(selectStages(stages, declaredStages, {})).toEqual(['base', 'lib-a']);
    expect(selectStages(stages, declaredStages, { all: true })).toEqual(stages);
  });

  it('selects by repeatable --include patterns, unanchored, minus --exclude', () => {
    expect(selectStages(stages, declaredStages, { include: ['^lib-', 'app'] })).toEqual(['lib-a', 'lib-b', 'app']);
    expect(selectStages(stages, declaredStages, { include: 'lib', exclude: ['-b$'] })).toEqual(['lib-a']);
    expect(selectStages(stages, declaredStages, { all: true, exclude: 'a' })).toEqual(['lib-b']);
  });

  it('names an invalid pattern and its option', () => {
    expect(() => compilePatterns(['ok', 'lib-('], 'include')).toThrow("--include 'lib-(' is not a valid regular expression: ");
    expect(() => selectStages(stages, declaredStages, { exclude: '[' })).toThrow(/^--exclude '\[' is not a valid regular expression/);
  });
});

describe('unifiedDiff', () => {
  it('shows changed lines with context and hunk headers', () => {
    const before = 'a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\ng: 7\nh: 8\ni: 9\nj: 10\n';
    const after = before.replace('b: 2', 'b: 22') + 'k: 11\n';
    expect(unifiedDiff(before, after, FILE)).toBe(
      ['--- a/stagecraft-tags.yml', '+++ b/stagecraft-tags.yml',
        '@@ -1,5 +1,5 @@', ' a: 1', '-b: 2', '+b: 22', ' c: 3', ' d: 4', ' e: 5',
        '@@ -8,3 +8,4 @@', ' h: 8', ' i: 9', ' j: 10', '+k: 11', ''].join('\n'),
    );
  });

  it('is empty for equal texts and handles an empty original', () => {
    expect(unifiedDiff('a\n', 'a\n', FILE)).toBe('');
    expect(unifiedDiff('', 'a: 1\n', FILE)).toBe('--- a/stagecraft-tags.yml\n+++ b/stagecraft-tags.yml\n@@ -0,0 +1,1 @@\n+a: 1\n');
  });
});
