import { registrySettings } from './registry-options';

describe('registry settings', () => {
  it('is off without a registry, and reads push, upstreams and pull', () => {
    expect(registrySettings({}, {})).toBeUndefined();
    expect(registrySettings({ registry: 'reg.example:5000/ci/', upstreamRegistries: ['up.example/acme'], pull: 'always' }, {})).toEqual({
      registry: 'reg.example:5000/ci',
      push: false,
      upstreamRegistries: ['up.example/acme'],
      pullAlways: true,
    });
    expect(registrySettings({ registry: '127.0.0.1:5000' }, {}, true)?.pullAlways).toBe(true);
  });

  it('lets STAGECRAFT_PUSH turn pushing on or off for a run', () => {
    expect(registrySettings({ registry: 'r.example' }, { STAGECRAFT_PUSH: '1' })?.push).toBe(true);
    expect(registrySettings({ registry: 'r.example', push: true }, { STAGECRAFT_PUSH: '0' })?.push).toBe(false);
    expect(registrySettings({ registry: 'r.example', push: true }, {})?.push).toBe(true);
  });

  it('names nx.json and the field for bad values', () => {
    expect(() => registrySettings({ registry: 'http://r.example' }, {})).toThrow('nx.json at the @stagecraft/nx plugin\'s options/registry: expected host[:port][/path]');
    expect(() => registrySettings({ registry: 'r.example', push: 'yes' as never }, {})).toThrow('options/push: expected true or false');
    expect(() => registrySettings({ registry: 'r.example', upstreamRegistries: ['ok.example', 'Bad Host'] }, {})).toThrow('options/upstreamRegistries/1');
    expect(() => registrySettings({ registry: 'r.example', pull: 'sometimes' as never }, {})).toThrow('options/pull: expected "always" or "when-needed"');
    expect(() => registrySettings({ registry: 'r.example' }, { STAGECRAFT_PUSH: 'true' })).toThrow('STAGECRAFT_PUSH: expected 1');
    expect(() => registrySettings({ push: true }, {})).toThrow('pushing is on but no registry is configured');
  });
});
