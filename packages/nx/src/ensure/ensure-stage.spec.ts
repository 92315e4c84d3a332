import { labelInstruction, machineBuildArgs } from './ensure-stage';

describe('labelInstruction', () => {
  it('puts every label in one LABEL instruction, sorted and quoted', () => {
    expect(labelInstruction({ 'dev.stagecraft.stage': 'zlib', 'a.b': 'with "quote" and \\ slash' })).toBe(
      'LABEL "a.b"="with \\"quote\\" and \\\\ slash" "dev.stagecraft.stage"="zlib"',
    );
  });
});

describe('machineBuildArgs', () => {
  it('passes JOBS only to Dockerfiles that declare it, and proxies from either case', () => {
    expect(machineBuildArgs('FROM x\nARG JOBS=1\n', { http_proxy: 'http://127.0.0.1:3128' })).toEqual({
      JOBS: expect.stringMatching(/^\d+$/),
      HTTP_PROXY: 'http://127.0.0.1:3128',
    });
    expect(machineBuildArgs('FROM x\n', {})).toEqual({});
  });
});
