// The realistic cold build (issue 22): the example's real Debian packages (examples/openbmc-mini: a debootstrap
// base with the build tools, a tools stage that installs python3-yaml with apt-get over the host network, zlib,
// libpng, libyaml, fmt, fribidi compiled with cmake, autoconf and meson, a git-sourced stage, an aggregate) built cold by Stagecraft (`nx run-many -t docker-stage`, equivalence on), against
// the same recipes as ONE BuildKit multi-stage Dockerfile (each stage's rendered Dockerfile, `FROM <stage>` and
// `COPY --from=<stage>` between them, the same build contexts), in one run. Goal: Stagecraft / multi-stage <= 1.1.
// Also prints what the output hash of the debootstrap base costs (the image export streamed, entry by entry).
// The inputs come from `tools/example.sh --prepare-only` (debootstrap and apt-get source; several minutes, once).
const { execFileSync, spawnSync } = require('node:child_process');
const { cpSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const { cpus, tmpdir } = require('node:os');
const { join } = require('node:path');
const lib = require('./lib');

const EXAMPLE = join(lib.REPO_ROOT, 'examples', 'openbmc-mini');

/** A copy of the example with a unique image name and a base new to BuildKit's cache (a run id before its ADD). */
function exampleCopy(runId) {
  const root = join(mkdtempSync(join(tmpdir(), 'stagecraft-bench-example-')), 'openbmc-mini');
  cpSync(EXAMPLE, root, { recursive: true, filter: (path) => !/\/(node_modules|\.nx|dist)$/.test(path) && !path.endsWith('/base/rootfs.tar') });
  linkSync(join(EXAMPLE, 'base', 'rootfs.tar'), join(root, 'base', 'rootfs.tar'));
  lib.symlinkNodeModules(root);
  const nxJson = JSON.parse(readFileSync(join(root, 'nx.json'), 'utf8'));
  nxJson.plugins[0].options.imageName = runId;
  lib.writeJson(root, 'nx.json', nxJson);
  const dockerfile = readFileSync(join(root, 'base', 'Dockerfile'), 'utf8').replace(
    /^ADD rootfs\.tar \/$/m,
    `LABEL ${lib.RUN_LABEL}=${runId}\nCOPY bench-run /etc/bench-run\nADD rootfs.tar /`,
  );
  writeFileSync(join(root, 'base', 'Dockerfile'), dockerfile);
  writeFileSync(join(root, 'base', 'bench-run'), `${runId}\n`);
  return root;
}

function stagecraftJson(root, args) {
  const result = spawnSync(join(root, 'node_modules', '.bin', 'stagecraft'), args, { cwd: root, encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false' } });
  if (result.status !== 0) throw new Error(`stagecraft ${args.join(' ')} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

/**
 * The same recipes as one multi-stage Dockerfile with one context: each stage's rendered Dockerfile (from
 * `stagecraft plan`), its upstream tags replaced by stage names and its context paths put under <stage>/.
 * Returns the last stage (the target) and the build's network.
 */
function multistageFromPlans(root, dir) {
  const stages = stagecraftJson(root, ['status', '--json']).map((status) => status.stage);
  const plans = stages.map((stage) => stagecraftJson(root, ['plan', stage, '--json']));
  const stageOfTag = new Map(plans.map((plan) => [plan.tag, plan.stage]));
  const lines = [];
  for (const plan of plans) {
    const name = plan.stage;
    for (const line of plan.dockerfile.trimEnd().split('\n')) {
      const from = /^FROM (\S+)$/.exec(line);
      if (from) {
        lines.push(`FROM ${stageOfTag.get(from[1]) ?? from[1]} AS ${name}`);
        continue;
      }
      const copyFrom = /^COPY --from=(\S+) (.*)$/.exec(line);
      if (copyFrom) {
        lines.push(`COPY --from=${stageOfTag.get(copyFrom[1]) ?? copyFrom[1]} ${copyFrom[2]}`);
        continue;
      }
      // The context paths of this stage (source/, generated files, the base's files) live under <stage>/.
      const copy = /^(COPY|ADD) (?!--)(\S+) (.*)$/.exec(line);
      lines.push(copy ? `${copy[1]} ${name}/${copy[2]} ${copy[3]}` : line);
    }
    lines.push('');
    const context = join(dir, name);
    mkdirSync(context, { recursive: true });
    const source = plan.keyDocument.source;
    if (name === 'base') {
      for (const file of ['rootfs.tar', 'bench-run']) linkSync(join(root, 'base', file), join(context, file));
    } else if (source?.commit) {
      mkdirSync(join(context, 'source'));
      const repository = JSON.parse(readFileSync(join(root, name, 'stage.json'), 'utf8')).source.git;
      const archive = execFileSync('git', ['--git-dir', join(root, repository), 'archive', source.commit], { maxBuffer: 256 * 1024 * 1024 });
      execFileSync('tar', ['-x', '-C', join(context, 'source')], { input: archive });
    } else if (existsSync(join(root, name, 'source'))) {
      cpSync(join(root, name, 'source'), join(context, 'source'), { recursive: true });
    }
    for (const [path, content] of Object.entries(plan.keyDocument.generated ?? {})) lib.writeFile(context, path, content);
  }
  writeFileSync(join(dir, 'Dockerfile'), `${lines.join('\n')}\n`);
  // One build has one network: host when any stage downloads (its other stages use none of it).
  const networked = plans.some((plan) => (plan.keyDocument.definition.network ?? 'none') !== 'none');
  return { target: plans.at(-1).stage, network: networked ? 'host' : 'none' };
}

/** The output hash of the base image, timed: the whole image export streamed and read entry by entry. */
async function timeBaseOutputHash(tag) {
  const Docker = require(join(lib.REPO_ROOT, 'node_modules', 'dockerode'));
  const { inspectImageFacts, readOwnFilesystem } = require(join(lib.REPO_ROOT, 'packages/nx/dist/docker/image-output'));
  const { imageOutputHash } = require(join(lib.REPO_ROOT, 'packages/nx/dist/equivalence/output-hash'));
  const docker = new Docker();
  const facts = await inspectImageFacts(docker, tag);
  const size = (await docker.getImage(tag).inspect()).Size;
  const started = process.hrtime.bigint();
  const own = await readOwnFilesystem(docker, facts, 0);
  imageOutputHash({ base: 'none', own, config: facts.config });
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, megabytes: size / 1e6, entries: own.entries.size, layers: facts.diffIds.length };
}

async function main() {
  if (!existsSync(join(EXAMPLE, 'base', 'rootfs.tar')) || !existsSync(join(EXAMPLE, 'zlib', 'source'))) {
    throw new Error('the example inputs are missing: run `bash tools/example.sh --prepare-only` (through /work/wt/bin/docker-slot) once');
  }
  const ours = lib.uniqueImageName('example');
  const theirs = lib.uniqueImageName('example-ms');
  const root = exampleCopy(ours);
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-bench-example-ms-'));
  const cleanup = lib.onExit(() => {
    lib.remove(join(root, '..'));
    lib.remove(dir);
    lib.removeRunImages(ours, ours);
    lib.removeRunImages(theirs, theirs);
  });
  try {
    // Not timed: the git source into Stagecraft's store, the project graph, the file hashes (a 604 MB rootfs).
    lib.nx(root, ['run-many', '-t', 'sources']);
    lib.nx(root, ['show', 'projects']);
    stagecraftJson(root, ['plan', 'base', '--json']);
    const run = lib.runDockerStage(root);
    const statuses = Object.values(run.statuses);
    if (statuses.length === 0 || statuses.some((status) => status !== 'built')) throw new Error(`the cold run did not build every stage:\n${run.output}`);

    // The same recipes, another run id in the base: cold for BuildKit too.
    writeFileSync(join(root, 'base', 'bench-run'), `${theirs}\n`);
    writeFileSync(join(root, 'base', 'Dockerfile'), readFileSync(join(root, 'base', 'Dockerfile'), 'utf8').replace(`=${ours}\n`, `=${theirs}\n`));
    const { target, network } = multistageFromPlans(root, dir);
    const multistage = await lib.buildKitBuild(dir, `${theirs}:${target}`, { target, network, buildArgs: { JOBS: String(cpus().length) } });

    const baseTag = JSON.parse(readFileSync(join(root, 'dist', 'stagecraft', 'base.json'), 'utf8')).tag;
    const hash = await timeBaseOutputHash(baseTag);
    const rootfsMb = statSync(join(EXAMPLE, 'base', 'rootfs.tar')).size / 1e6;

    console.log(lib.nxPluginLoading());
    console.log(`example: ${statuses.length} stages (debootstrap base from a ${rootfsMb.toFixed(0)} MB rootfs, a tools stage using apt-get over the host network, 5 compiled libraries, a git stage, an aggregate), all cold`);
    console.log(`stagecraft nx run-many -t docker-stage (builder: ${lib.builderOf(run.output)}, equivalence on): ${run.seconds.toFixed(2)} s (${lib.summaryHeadline(run.output)})`);
    for (const [stage, seconds] of Object.entries(lib.summaryDurations(run.output)).sort()) console.log(`  ${stage}: ${seconds.toFixed(1)} s`);
    console.log(`the same recipes as one BuildKit multi-stage Dockerfile (target ${target}): ${multistage.seconds.toFixed(2)} s`);
    console.log(`realistic cold build, stagecraft / BuildKit multi-stage: ${(run.seconds / multistage.seconds).toFixed(3)} (goal <= 1.1)`);
    console.log(`output hash of the debootstrap base (${hash.megabytes.toFixed(0)} MB, ${hash.layers} layers, ${hash.entries} entries), image export streamed: ${hash.seconds.toFixed(2)} s`);
  } finally {
    cleanup();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
