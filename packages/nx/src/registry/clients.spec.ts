import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClients } from './clients';
import { ImageRef } from './reference';

const DIGEST = `sha256:${'c'.repeat(64)}`;

/** A registry that asks for Basic credentials once and answers every manifest HEAD; it records what was asked. */
function basicRegistry() {
  const asked: string[] = [];
  const fetch = (async (url: string | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    asked.push(`${init?.method ?? 'GET'} ${String(url)}${headers.get('authorization') ? ' (with credentials)' : ''}`);
    if (!headers.get('authorization')) return new Response(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="test"' } });
    return new Response(null, { status: 200, headers: { 'docker-content-digest': DIGEST, 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
  }) as typeof globalThis.fetch;
  return { asked, fetch };
}

describe('RegistryClients', () => {
  let configDir: string;
  beforeEach(() => {
    configDir = mkdtempSync(join(tmpdir(), 'stagecraft-clients-'));
    writeFileSync(join(configDir, 'config.json'), JSON.stringify({ auths: { 'reg.example:5000': { auth: Buffer.from('ci:secret').toString('base64') } } }));
  });
  afterEach(() => rmSync(configDir, { recursive: true, force: true }));

  it('makes one client per registry host, reaching Docker Hub at its API host', () => {
    const clients = new RegistryClients({ DOCKER_CONFIG: configDir });
    expect(clients.for('reg.example:5000')).toBe(clients.for('reg.example:5000'));
    expect(clients.for('docker.io').host).toBe('registry-1.docker.io');
  });

  it('reads credentials once per host, however many pulls and pushes ask', async () => {
    const clients = new RegistryClients({ DOCKER_CONFIG: configDir });
    const first = await clients.engineAuth('reg.example:5000/acme-lib:t');
    writeFileSync(join(configDir, 'config.json'), '{}');
    expect(await clients.engineAuth('reg.example:5000/acme-app:t')).toEqual(first);
    expect(first).toEqual({ username: 'ci', password: 'secret', serveraddress: 'reg.example:5000' });
    expect(await clients.engineAuth('other.example/x:1')).toBeUndefined();
  });

  it('asks for a manifest by digest once per run and counts every round trip of every client', async () => {
    const registry = basicRegistry();
    const clients = new RegistryClients({ DOCKER_CONFIG: configDir }, { fetch: registry.fetch, timeoutMs: 1000 });
    const base = ImageRef.parse(`reg.example:5000/mirror/library/debian@${DIGEST}`);
    const answers = await Promise.all([clients.headDigest(base), clients.headDigest(base)]);
    expect(await clients.headDigest(base)).toBe(answers[0]);
    expect(answers[0]?.digest).toBe(DIGEST);
    await clients.for('reg.example:5000').headManifest('acme-lib', 't');
    expect(registry.asked).toEqual([
      `HEAD https://reg.example:5000/v2/mirror/library/debian/manifests/${DIGEST}`,
      `HEAD https://reg.example:5000/v2/mirror/library/debian/manifests/${DIGEST} (with credentials)`,
      'HEAD https://reg.example:5000/v2/acme-lib/manifests/t',
      'HEAD https://reg.example:5000/v2/acme-lib/manifests/t (with credentials)',
    ]);
    expect(clients.requests()).toBe(4);
    expect(() => clients.headDigest(ImageRef.parse('reg.example:5000/x:1'))).toThrow('names no digest');
  });
});
