/**
 * Pull and push through the Engine (the Engine talks to the registry; credentials go
 * in X-Registry-Auth). The Engine tags a pulled image only once every layer arrived,
 * so a pull that fails halfway leaves no tag behind.
 */
import Docker from 'dockerode';
import { engineErrorFor, engineLocation } from './engine';
import { ImageRef } from '../registry/reference';
import { readEngineMessages } from './progress';

/** The auth object dockerode encodes into X-Registry-Auth. */
export type EngineRegistryAuth = Record<string, string>;

export class TransferError extends Error {
  constructor(
    message: string,
    /** What the Engine said, verbatim. */
    readonly engineMessage: string,
    /** The registry refused credentials (401/403): `docker login` is the fix. */
    readonly refused: boolean,
  ) {
    super(message);
    this.name = 'TransferError';
  }
}

const REFUSED = /unauthorized|authentication required|denied|forbidden|\b40[13]\b/i;

/** Pulls ref and returns the local image id. */
export async function pullImage(docker: Docker, ref: string, auth?: EngineRegistryAuth): Promise<string> {
  await transfer(docker, 'pull', ref, async () => (await docker.pull(ref, auth ? { authconfig: auth } : {})) as NodeJS.ReadableStream);
  return (await docker.getImage(ref).inspect()).Id;
}

/** Pushes the local tag ref to its registry. */
export async function pushImage(docker: Docker, ref: string, auth?: EngineRegistryAuth): Promise<void> {
  const { repo, tag } = ImageRef.parse(ref).engineTag();
  await transfer(docker, 'push', ref, async () => (await docker.getImage(repo).push({ tag, ...(auth ? { authconfig: auth } : {}) })) as NodeJS.ReadableStream);
}

async function transfer(docker: Docker, what: 'pull' | 'push', ref: string, start: () => Promise<NodeJS.ReadableStream>): Promise<void> {
  let failure: string | undefined;
  try {
    const stream = await start();
    await readEngineMessages(stream, (message) => {
      const error = message.errorDetail?.message ?? message.error;
      if (error) failure = error;
    });
  } catch (error) {
    const engine = engineErrorFor(error, engineLocation(docker));
    if (engine) throw engine;
    failure = (error as { json?: { message?: string } }).json?.message ?? (error as Error).message;
  }
  if (failure !== undefined) throw new TransferError(`${what} of ${ref} failed: ${failure}`, failure, REFUSED.test(failure));
}

/** Adds a tag to a local image. */
export async function tagImage(docker: Docker, image: string, ref: string): Promise<void> {
  const { repo, tag } = ImageRef.parse(ref).engineTag();
  await docker.getImage(image).tag({ repo, tag });
}
