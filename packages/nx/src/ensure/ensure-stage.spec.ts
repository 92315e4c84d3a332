import { labelInstruction, machineBuildArgs } from './ensure-stage';

describe('labelInstruction', () => {
  it('puts every label in one LABEL instruction, sorted and quoted', () => {
    expect(labelInstruction({ 'dev.stagecraft.stage': 'zlib', 'a.b': 'with "quote" and \\ slash' })).toBe(
      'LABEL "a.b"="with \\"quote\\" and \\\\ slash" "dev.stagecraft.stage"="zlib"',
    );
  });
});

describe('machineBuildArgs', () => {
  const proxy = 'http://127.0.0.1:3128';

  it('passes JOBS only to Dockerfiles that declare it', () => {
    expect(machineBuildArgs('FROM x\nARG JOBS=1\n', 'none', {})).toEqual({ JOBS: expect.stringMatching(/^\d+$/) });
    expect(machineBuildArgs('FROM x\n', 'host', {})).toEqual({});
  });

  it('passes proxies to a networked build only, under both spellings', () => {
    expect(machineBuildArgs('FROM x\n', 'host', { http_proxy: proxy, NO_PROXY: 'localhost' })).toEqual({
      HTTP_PROXY: proxy,
      http_proxy: proxy,
      NO_PROXY: 'localhost',
      no_proxy: 'localhost',
    });
    expect(machineBuildArgs('FROM x\n', 'default', { ALL_PROXY: 'socks5://127.0.0.1:1080' })).toEqual({
      ALL_PROXY: 'socks5://127.0.0.1:1080',
      all_proxy: 'socks5://127.0.0.1:1080',
    });
    expect(machineBuildArgs('FROM x\n', 'none', { HTTP_PROXY: proxy, https_proxy: proxy, FTP_PROXY: proxy })).toEqual({});
  });

  it('keeps each spelling of a proxy set in both cases, and ignores empty ones', () => {
    expect(machineBuildArgs('FROM x\n', 'host', { HTTPS_PROXY: proxy, https_proxy: 'http://127.0.0.1:8080', FTP_PROXY: '' })).toEqual({
      HTTPS_PROXY: proxy,
      https_proxy: 'http://127.0.0.1:8080',
    });
  });
});
