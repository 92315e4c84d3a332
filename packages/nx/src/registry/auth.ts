/**
 * The registry auth dance: a request answered 401 carries a challenge; Basic is
 * answered with the credentials, Bearer with a token from the challenge's realm
 * for the scope the request needs (RFC 6750, the Docker token spec). Tokens are
 * kept per scope for the client's life; nothing here is logged.
 */
import { parseChallenges, type AuthChallenge } from './challenge';
import type { RegistryCredentials } from './credentials';
import { RegistryError } from './errors';

export type Fetch = typeof fetch;

export class RegistryAuth {
  private readonly byScope = new Map<string, string>();
  private credentials?: Promise<RegistryCredentials | undefined>;

  constructor(
    private readonly registry: string,
    private readonly loadCredentials: () => Promise<RegistryCredentials | undefined>,
    private readonly fetchFn: Fetch,
    private readonly countRequest: () => void,
  ) {}

  /** The Authorization header known for a scope, if any. */
  cached(scope: string): string | undefined {
    return this.byScope.get(scope);
  }

  /** Answers a 401's challenge for the scope; returns the Authorization header to retry with, or undefined when none can be had. */
  async answer(challengeHeader: string | null, scope: string): Promise<string | undefined> {
    const challenges = parseChallenges(challengeHeader);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    let header: string | undefined;
    if (bearer) header = await this.bearer(bearer, scope);
    else if (basic) header = await this.basic();
    if (header) this.byScope.set(scope, header);
    return header;
  }

  private creds(): Promise<RegistryCredentials | undefined> {
    this.credentials ??= this.loadCredentials();
    return this.credentials;
  }

  private async basic(): Promise<string | undefined> {
    const creds = await this.creds();
    if (!creds || creds.username === undefined) return undefined;
    return `Basic ${Buffer.from(`${creds.username}:${creds.password ?? ''}`).toString('base64')}`;
  }

  private async bearer(challenge: AuthChallenge, scope: string): Promise<string> {
    const realm = challenge.params['realm'];
    if (!realm) throw new RegistryError(`registry ${this.registry} sent a Bearer challenge without a realm`, this.registry, 'http');
    const url = new URL(realm);
    const service = challenge.params['service'];
    const creds = await this.creds();
    let response: Response;
    try {
      this.countRequest();
      if (creds?.identityToken) {
        // An identity token is an OAuth2 refresh token: exchange it with a POST.
        const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, client_id: 'stagecraft', scope });
        if (service) form.set('service', service);
        response = await this.fetchFn(url, { method: 'POST', body: form, signal: AbortSignal.timeout(30_000) });
      } else {
        if (service) url.searchParams.set('service', service);
        for (const part of scope.split(' ')) url.searchParams.append('scope', part);
        const headers: Record<string, string> = {};
        const basic = await this.basic();
        if (basic) headers['authorization'] = basic;
        response = await this.fetchFn(url, { headers, signal: AbortSignal.timeout(30_000) });
      }
    } catch (error) {
      throw new RegistryError(`the token service of registry ${this.registry} (${url.origin}) is unreachable: ${(error as Error).message}`, this.registry, 'unreachable', undefined, { cause: error });
    }
    if (!response.ok) {
      const failure = response.status === 401 ? 'unauthorized' : response.status === 403 ? 'denied' : 'http';
      throw new RegistryError(`the token service of registry ${this.registry} refused a token (HTTP ${response.status})`, this.registry, failure, response.status);
    }
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError(`the token service of registry ${this.registry} answered without a token`, this.registry, 'http');
    return `Bearer ${token}`;
  }
}
