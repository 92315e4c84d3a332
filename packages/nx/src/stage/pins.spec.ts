import { formatPins, parsePins } from './pins';

const pin = { git: '../repos/fmt.git', rev: 'main', ref: 'refs/heads/main', commit: 'a'.repeat(40) };

describe('stage.lock.json', () => {
  it('round-trips in a fixed, reviewable layout', () => {
    const text = formatPins({ source: { commit: pin.commit, ref: pin.ref, rev: pin.rev, git: pin.git } });
    expect(text).toBe(`{\n  "source": {\n    "git": "../repos/fmt.git",\n    "rev": "main",\n    "ref": "refs/heads/main",\n    "commit": "${'a'.repeat(40)}"\n  }\n}\n`);
    expect(parsePins(text, 'f/stage.lock.json')).toEqual({ source: pin });
  });

  it('names the file and field of every problem', () => {
    expect(() => parsePins('{', 'f/stage.lock.json')).toThrow(/^f\/stage.lock.json: not valid JSON/);
    expect(() => parsePins('{"sauce": {}}', 'f/stage.lock.json')).toThrow("f/stage.lock.json at /sauce: unknown pin 'sauce' (known: source, base, images)");
    expect(() => parsePins(JSON.stringify({ source: { ...pin, commit: 'abc' } }), 'f/stage.lock.json')).toThrow(
      'f/stage.lock.json at /source/commit: expected a full commit id',
    );
    expect(() => parsePins(JSON.stringify({ source: { ...pin, ref: undefined } }), 'f/stage.lock.json')).toThrow('f/stage.lock.json at /source/ref: expected a non-empty string');
  });
});
