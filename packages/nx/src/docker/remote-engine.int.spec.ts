import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueImageName } from '../../testing/engine';
import { startExtraEngine, type ExtraEngine } from '../../testing/extra-engine';
import { summaryStatuses } from '../../testing/summary';
import { createTestWorkspace, writeBusyboxBase, type TestWorkspace } from '../../testing/workspace';

/** A CA, a server certificate for 127.0.0.1 and a client certificate, as DOCKER_CERT_PATH wants them. */
function writeCertificates(dir: string): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=stagecraft-test-ca');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, key, ext] of [['server', 'server-key.pem', 'server.ext'], ['client', 'key.pem', 'client.ext']]) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    const cert = name === 'server' ? 'server-cert.pem' : 'cert.pem';
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', cert, '-days', '1', '-extfile', ext);
  }
}

describe('an Engine named by DOCKER_HOST: tcp with TLS verification', () => {
  const address = 'tcp://127.0.0.1:15040';
  let certs: string;
  let engine: ExtraEngine;
  let workspace: TestWorkspace;

  beforeAll(() => {
    certs = mkdtempSync(join(tmpdir(), 'sc-tls-'));
    writeCertificates(certs);
    const tls = ['--tlsverify', '--tlscacert', join(certs, 'ca.pem'), '--tlscert', join(certs, 'server-cert.pem'), '--tlskey', join(certs, 'server-key.pem'), '-H', address];
    engine = startExtraEngine(undefined, tls);
    workspace = createTestWorkspace({ imageName: uniqueImageName('tls'), defaultBase: 'base' });
    writeBusyboxBase(workspace);
  });
  afterAll(() => {
    workspace?.remove();
    engine?.stop();
    if (certs) rmSync(certs, { recursive: true, force: true });
  });

  it('builds on the TLS engine with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH', async () => {
    const run = workspace.nx(['run-many', '-t', 'docker-stage', '--output-style=static'], { DOCKER_HOST: address, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs });
    expect(summaryStatuses(run.stderr + run.stdout)).toEqual({ base: 'built' });
    expect(run.status).toBe(0);
    expect((await engine.docker.listImages()).flatMap((image) => image.RepoTags ?? []).length).toBe(1);
  });
});
