import { createHash } from 'node:crypto';
import { startTestRegistry, writeDockerConfig, type TestRegistry } from '../../testing/registry';
import { RegistryClient } from './client';
import { copyImage } from './copy';
import { registryCredentials } from './credentials';
import { DOCKER_MANIFEST, OCI_INDEX } from './media-types';
import { startTokenServer, type TokenServer } from '../../testing/token-server';

const USER = { name: 'ci', password: 'secret-pass' };
const digestOf = (content: Buffer) => `sha256:${createHash('sha256').update(content).digest('hex')}`;

/** Uploads a config and one layer blob and a manifest naming them; returns the manifest's digest. */
async function pushTinyImage(client: RegistryClient, repository: string, tag: string, salt: string): Promise<string> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', salt }));
  const layer = Buffer.from(`layer of ${salt}`);
  for (const blob of [config, layer]) await client.putBlob(repository, digestOf(blob), blob.length, blob);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: digestOf(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: digestOf(layer), size: layer.length }],
    }),
  );
  return client.putManifest(repository, tag, manifest, DOCKER_MANIFEST);
}

describe('registry client against a real registry with htpasswd auth', () => {
  let main: TestRegistry;
  let other: TestRegistry;
  let config: ReturnType<typeof writeDockerConfig>;
  const env = () => ({ ...process.env, DOCKER_CONFIG: config.dir, PATH: `${config.bin}:${process.env['PATH']}` });

  beforeAll(() => {
    main = startTestRegistry(15001, USER);
    other = startTestRegistry(15002, { name: 'other', password: 'other-pass' });
    config = writeDockerConfig({ [`https://${main.host}/v1/`]: USER }, { name: 'sctest', as: 'credHelpers', servers: { [other.host]: { name: 'other', password: 'other-pass' } } });
  });
  afterAll(() => {
    main?.stop();
    other?.stop();
    config?.remove();
  });

  it('reads credentials from auths entries and credential helpers; none for an unknown registry', async () => {
    expect(await registryCredentials(main.host, env())).toEqual({ username: 'ci', password: 'secret-pass' });
    expect(await registryCredentials(other.host, env())).toEqual({ username: 'other', password: 'other-pass' });
    expect(await registryCredentials('127.0.0.1:1', env())).toBeUndefined();
  });

  it('answers 401 without credentials, naming the registry and docker login', async () => {
    const anonymous = new RegistryClient({ host: main.host });
    await expect(anonymous.headManifest('x', 'y')).rejects.toThrow(`registry ${main.host} answered HEAD /v2/x/manifests/y with HTTP 401; log in with \`docker login ${main.host}\``);
  });

  it('pushes blobs and a manifest, finds it with HEAD, lists tags page by page and deletes', async () => {
    const client = new RegistryClient({ host: main.host, credentials: () => registryCredentials(main.host, env()) });
    const digest = await pushTinyImage(client, 'acme-lib', 'v1', 'one');
    for (const tag of ['v2', 'v3', 'v4', 'v5']) await pushTinyImage(client, 'acme-lib', tag, tag);
    expect(await client.headManifest('acme-lib', 'v1')).toEqual({ digest, mediaType: DOCKER_MANIFEST, size: expect.any(Number) });
    expect(await client.headManifest('acme-lib', 'missing')).toBeUndefined();
    expect(await client.headManifest('no-such-repo', 'v1')).toBeUndefined();
    expect((await client.listTags('acme-lib', 2)).sort()).toEqual(['v1', 'v2', 'v3', 'v4', 'v5']);
    expect(await client.listTags('no-such-repo')).toEqual([]);
    const before = client.requests;
    await client.headManifest('acme-lib', 'v2');
    expect(client.requests - before).toBe(1); // the Basic answer is remembered per scope

    const v5 = (await client.headManifest('acme-lib', 'v5'))!.digest;
    expect(await client.deleteManifest('acme-lib', v5)).toBe(true);
    expect(await client.headManifest('acme-lib', 'v5')).toBeUndefined();
  });

  it('copies an image and an OCI index within a registry (mount) and across registries (stream)', async () => {
    const client = new RegistryClient({ host: main.host, credentials: () => registryCredentials(main.host, env()) });
    const target = new RegistryClient({ host: other.host, credentials: () => registryCredentials(other.host, env()) });
    const digest = await pushTinyImage(client, 'acme-app', 'v1', 'app');
    const child = await client.getManifest('acme-app', 'v1');
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: DOCKER_MANIFEST, digest, size: child!.body.length, platform: { architecture: 'amd64', os: 'linux' } }] }));
    await client.putManifest('acme-app', 'multi', index, OCI_INDEX);

    expect(await copyImage({ client, repository: 'acme-app', reference: 'v1' }, { client, repository: 'mirror/acme-app', reference: 'v1' })).toBe(digest);
    expect(await copyImage({ client, repository: 'acme-app', reference: 'multi' }, { client: target, repository: 'fork/acme-app', reference: 'multi' })).toBe(digestOf(index));
    expect(await target.headManifest('fork/acme-app', 'multi')).toMatchObject({ mediaType: OCI_INDEX });
    expect(await target.headManifest('fork/acme-app', digest)).toMatchObject({ digest });
    const copied = await target.getManifest('fork/acme-app', digest);
    for (const layer of copied!.document.layers!) expect(await target.hasBlob('fork/acme-app', layer.digest)).toBe(true);
  });
});

describe('registry client against a real registry with Bearer-token auth', () => {
  let tokens: TokenServer;
  let registry: TestRegistry;

  beforeAll(async () => {
    tokens = await startTokenServer(15004, USER);
    registry = startTestRegistry(15003, undefined, tokens);
  });
  afterAll(async () => {
    registry?.stop();
    await tokens?.stop();
  });

  it('gets a token for the scope from the realm with the credentials, and reuses it for that scope', async () => {
    const client = new RegistryClient({ host: registry.host, credentials: async () => ({ username: USER.name, password: USER.password }) });
    await pushTinyImage(client, 'acme-token', 'v1', 'token');
    expect(await client.headManifest('acme-token', 'v1')).toMatchObject({ mediaType: DOCKER_MANIFEST });
    const issued = tokens.issued;
    expect(await client.listTags('acme-token')).toEqual(['v1']);
    expect(tokens.issued).toBe(issued);
    const anonymous = new RegistryClient({ host: registry.host });
    await expect(anonymous.headManifest('acme-token', 'v1')).rejects.toMatchObject({ failure: 'unauthorized' });
  });
});
