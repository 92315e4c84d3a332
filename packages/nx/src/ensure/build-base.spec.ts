import type { StageEngine } from '../docker/stage-engine';
import type { StagePlan } from '../key/plan';
import { dockerfileForBuild } from './build-base';

const ID = `sha256:${'a'.repeat(64)}`;

function planOnLocalBase(): StagePlan {
  return {
    stage: { name: 'tool', dir: 'tool', from: 'busybox:local' },
    dockerfile: `FROM ${ID}\nRUN true\n`,
    externalBase: { image: 'busybox:local', digest: ID, ref: ID },
    externalImages: [{ image: 'busybox:local', digest: ID, ref: ID }],
    dockerfileWith: (refs: ReadonlyMap<string, string>) => `FROM ${refs.get('busybox:local')}\nRUN true\n`,
  } as unknown as StagePlan;
}

function engineWith(images: Map<string, string>): StageEngine & { tagged: string[] } {
  const tagged: string[] = [];
  return {
    tagged,
    imageIdOf: async (ref: string) => images.get(ref),
    tag: async (image: string, ref: string) => {
      tagged.push(ref);
      images.set(ref, image);
    },
  } as unknown as StageEngine & { tagged: string[] };
}

describe('the base a build takes', () => {
  it('names a base pinned by local image id through a tag, since BuildKit reads FROM as a name', async () => {
    const engine = engineWith(new Map([[ID, ID]]));
    const alias = `busybox:id-${'a'.repeat(64)}`;
    expect(await dockerfileForBuild(planOnLocalBase(), engine, undefined, 'mirror')).toBe(`FROM ${alias}\nRUN true\n`);
    await dockerfileForBuild(planOnLocalBase(), engine, undefined, 'mirror');
    expect(engine.tagged).toEqual([alias]);
  });

  it('refuses a local pin the Engine lacks, with the command that re-pins it', async () => {
    await expect(dockerfileForBuild(planOnLocalBase(), engineWith(new Map()), undefined, 'mirror')).rejects.toThrow(
      /pinned to the local image sha256:a+, which this Engine does not have.*nx g @stagecraft\/nx:lock --include='\^tool\$' --update/,
    );
  });
});
