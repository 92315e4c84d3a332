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

  it('names STAGECRAFT_PUSH, or nx.json and the field, for settings that cannot go together (the options themselves are checked by resolveOptions)', () => {
    expect(() => registrySettings({ registry: 'r.example' }, { STAGECRAFT_PUSH: 'true' })).toThrow('STAGECRAFT_PUSH: expected 1');
    expect(() => registrySettings({ push: true }, {})).toThrow('pushing is on but no registry is configured');
  });
});
