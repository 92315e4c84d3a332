import { stageDirectories } from './stage-files';

describe('stageDirectories', () => {
  it('gives one directory per stage, sorted, without the workspace root', () => {
    expect(stageDirectories(['b/stage.json', 'b/Dockerfile', 'a/Dockerfile', 'Dockerfile'])).toEqual(['a', 'b']);
  });

  it('ignores a Dockerfile-only directory inside another stage, but keeps a nested stage.json', () => {
    expect(
      stageDirectories([
        'libpng/stage.json',
        'libpng/source/contrib/oss-fuzz/Dockerfile',
        'group/stage.json',
        'group/child/stage.json',
      ]),
    ).toEqual(['group', 'group/child', 'libpng']);
  });
});
