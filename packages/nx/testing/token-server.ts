import { execFileSync } from 'node:child_process';
import { createSign, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TOKEN_SERVICE = 'stagecraft-test-registry';
export const TOKEN_ISSUER = 'stagecraft-test-issuer';

/**
 * A Docker token service on 127.0.0.1 (the registry's `auth: token` realm): checks Basic credentials
 * and grants the scopes asked for, as JWTs signed with a self-signed certificate (x5c) that the
 * registry trusts (its rootcertbundle). Anonymous requests get 401.
 */
export interface TokenServer {
  realm: string;
  /** The certificate file the registry's rootcertbundle names. */
  certificate: string;
  /** Token requests served. */
  issued: number;
  stop(): Promise<void>;
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export async function startTokenServer(port: number, user: { name: string; password: string }): Promise<TokenServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sc-token-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=stagecraft-test-token'], { cwd: dir, stdio: 'pipe' });
  const key = readFileSync(join(dir, 'key.pem'), 'utf8');
  const certDer = readFileSync(join(dir, 'cert.pem'), 'utf8').replace(/-----[^-]+-----|\s/g, '');
  const expected = `Basic ${Buffer.from(`${user.name}:${user.password}`).toString('base64')}`;
  const state = { issued: 0 };

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
    if (request.headers.authorization !== expected) {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
      return;
    }
    const access = url.searchParams.getAll('scope').flatMap((scope) => {
      const [type, ...rest] = scope.split(':');
      const actions = rest.pop() ?? '';
      return [{ type, name: rest.join(':'), actions: actions.split(',').filter(Boolean) }];
    });
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [certDer] }));
    const claims = base64url(JSON.stringify({ iss: TOKEN_ISSUER, sub: user.name, aud: url.searchParams.get('service'), exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access }));
    const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(key);
    state.issued++;
    const token = `${header}.${claims}.${base64url(signature)}`;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    realm: `http://127.0.0.1:${port}/token`,
    certificate: join(dir, 'cert.pem'),
    get issued() {
      return state.issued;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        rmSync(dir, { recursive: true, force: true });
      }),
  };
}
