import { offersBuildKit } from './builder';

describe('offersBuildKit', () => {
  it('is true for a Docker Engine on Linux with API 1.39 or later', () => {
    expect(offersBuildKit({ ApiVersion: '1.41', Os: 'linux', Components: [{ Name: 'Engine' }] })).toBe(true);
    expect(offersBuildKit({ ApiVersion: '1.39', Os: 'linux' })).toBe(true);
  });

  it('is false for older Engines, Windows Engines and Podman', () => {
    expect(offersBuildKit({ ApiVersion: '1.38', Os: 'linux' })).toBe(false);
    expect(offersBuildKit({ ApiVersion: '1.41', Os: 'windows' })).toBe(false);
    expect(offersBuildKit({ ApiVersion: '1.41', Os: 'linux', Components: [{ Name: 'Podman Engine' }] })).toBe(false);
  });
});
