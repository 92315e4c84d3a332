import { checkPluginOptions } from './plugin-options';

const AT = "nx.json at the @stagecraft/nx plugin's options/";

describe('checkPluginOptions', () => {
  it('passes every option in its documented form, and nothing at all', () => {
    const options = {
      imageName: 'acme/tools',
      registry: '127.0.0.1:5000/ci/',
      push: true,
      upstreamRegistries: ['up.example/acme', '[::1]:5001'],
      pull: 'always',
      defaultBase: 'debian:12',
      defaultRefresh: 'never',
      prefix: '/opt/acme',
      platform: 'linux/arm64/v8',
      targetNames: { dockerStage: 'image', run: 'shell' },
      declaredTags: 'ci/tags.yml',
      requireDeclaredTags: false,
      verifyDeclaredTags: true,
      builder: 'legacy',
      skipDirectories: ['vendor', 'third_party'],
      equivalence: false,
    };
    expect(checkPluginOptions(options)).toBe(options);
    expect(checkPluginOptions(undefined)).toEqual({});
    expect(checkPluginOptions({ registry: undefined })).toEqual({ registry: undefined });
  });

  it.each([
    [{ builder: 'kit' }, 'builder: expected one of "auto", "buildkit", "legacy", got "kit"'],
    [{ builder: true }, 'builder: expected one of'],
    [{ defaultRefresh: 'weekly' }, 'defaultRefresh: expected one of "never", "day", "isoweek", "month", got "weekly"'],
    [{ imageName: 'Acme' }, 'imageName: expected lowercase letters and digits'],
    [{ imageName: '' }, 'imageName: expected'],
    [{ registry: 'http://r.example' }, 'registry: expected host[:port][/path]'],
    [{ push: 'yes' }, 'push: expected true or false, got "yes"'],
    [{ upstreamRegistries: 'up.example' }, 'upstreamRegistries: expected an array'],
    [{ upstreamRegistries: ['ok.example', 'Bad Host'] }, 'upstreamRegistries/1: expected host[:port][/path]'],
    [{ pull: 'sometimes' }, 'pull: expected one of "always", "when-needed"'],
    [{ defaultBase: 'debian 12' }, 'defaultBase: expected a stage name or an image reference'],
    [{ prefix: 'usr/local' }, 'prefix: expected an absolute path'],
    [{ platform: 'amd64' }, 'platform: expected os/arch[/variant]'],
    [{ targetNames: ['image'] }, 'targetNames: expected an object'],
    [{ targetNames: { dockerstage: 'image' } }, 'targetNames/dockerstage: not an option of @stagecraft/nx; did you mean "dockerStage"?'],
    [{ targetNames: { run: 'a b' } }, 'targetNames/run: expected a target name without spaces or ":"'],
    [{ targetNames: { run: 'image', dockerStage: 'image' } }, 'targetNames/run: "image" is already the name of the dockerStage target'],
    [{ targetNames: { run: 'package' } }, 'targetNames/run: "package" is already the name of the package target'],
    [{ declaredTags: '../tags.yml' }, 'declaredTags: expected a file path relative to the workspace root'],
    [{ verifyDeclaredTags: 1 }, 'verifyDeclaredTags: expected true or false'],
    [{ equivalence: 'off' }, 'equivalence: expected true or false, got "off"'],
    [{ skipDirectories: 'vendor' }, 'skipDirectories: expected an array of directory names'],
    [{ skipDirectories: ['vendor', 'a/b'] }, 'skipDirectories/1: expected a directory name (no "/")'],
    [{ registy: 'r.example' }, 'registy: not an option of @stagecraft/nx; did you mean "registry"?'],
    [{ colour: 'blue' }, 'colour: not an option of @stagecraft/nx; the options are imageName, registry'],
  ])('refuses %j, naming nx.json and the field', (options, message) => {
    expect(() => checkPluginOptions(options)).toThrow(`${AT}${message}`);
  });

  it('refuses options that are not an object, and names another place when told', () => {
    expect(() => checkPluginOptions('registry')).toThrow("nx.json at the @stagecraft/nx plugin's options: expected an object");
    expect(() => checkPluginOptions({ defaultRefresh: 'hourly' }, (field) => `--${field}`)).toThrow('--defaultRefresh: expected one of');
  });
});
