import { parseDockerfileRefs, rewriteDockerfileRefs } from './dockerfile-refs';

const names = (text: string) => parseDockerfileRefs(text).map((ref) => ref.name);

describe('parseDockerfileRefs', () => {
  it('finds FROM and COPY --from refs with their kind and 1-based line', () => {
    const text = ['FROM base', 'COPY --from=tools /usr/local /usr/local', 'RUN make'].join('\n');
    expect(parseDockerfileRefs(text)).toEqual([
      { kind: 'from', name: 'base', line: 1 },
      { kind: 'copy-from', name: 'tools', line: 2 },
    ]);
  });

  it('skips flags: FROM --platform and COPY --chown/--link before and after --from', () => {
    const text = [
      'FROM --platform=linux/amd64 base AS build',
      'COPY --chown=1000:1000 --from=tools --link /a /b',
    ].join('\n');
    expect(names(text)).toEqual(['base', 'tools']);
  });

  it('reads instructions case-insensitively, and AS in any case', () => {
    const text = ['from base as Builder', 'copy --from=BUILDER /a /b', 'From builder', 'Copy --from=tools /a /b'].join('\n');
    expect(names(text)).toEqual(['base', 'tools']);
  });

  it('treats earlier aliases and numeric stage indexes as local', () => {
    const text = ['FROM base AS build', 'FROM build AS test', 'COPY --from=build /a /b', 'COPY --from=0 /a /b', 'FROM 1'].join('\n');
    expect(names(text)).toEqual(['base']);
  });

  it('treats an alias used before it is defined, or by its own FROM, as a ref', () => {
    const text = ['FROM x AS first', 'COPY --from=later /a /b', 'FROM later AS later'].join('\n');
    expect(names(text)).toEqual(['x', 'later', 'later']);
  });

  it('reports scratch like any name (the caller decides), and expands names with the global ARGs as BuildKit does (an ARG without a value is empty)', () => {
    const text = ['ARG BASE=debian:12', 'FROM scratch', 'FROM ${BASE}', 'FROM $BASE AS b', 'COPY --from=$TOOLS /a /b', 'COPY --from=${X}y /a /b'].join(
      '\n',
    );
    expect(names(text)).toEqual(['scratch', 'debian:12', 'debian:12', 'y']);
  });

  it('expands nested defaults in order, build arguments over defaults, and the automatic platform arguments', () => {
    const text = ['ARG UBUNTU=22.04', 'ARG BASE=ubuntu:${UBUNTU}', 'FROM ${BASE} AS base', 'FROM build-${TARGETOS}-${TARGETARCH}'].join('\n');
    expect(names(text)).toEqual(['ubuntu:22.04', 'build-linux-amd64']);
    expect(parseDockerfileRefs(text, { buildArgs: ['UBUNTU=24.04'], platform: 'linux/arm64' }).map((ref) => ref.name)).toEqual(['ubuntu:24.04', 'build-linux-arm64']);
  });

  it('finds RUN --mount=from (any mount type), the # syntax frontend and ONBUILD triggers, with their kinds', () => {
    const text = [
      '# syntax=docker/dockerfile:1.7',
      'FROM base AS build',
      'RUN --mount=type=cache,target=/root/.cache --mount=from=tools,source=/bin,target=/t make',
      'RUN --mount=type=bind,from=golang:1.22,source=/usr/local/go,target=/go make',
      'ONBUILD COPY --from=build /out /out',
      'ONBUILD COPY --from=assets /a /a',
    ].join('\n');
    expect(parseDockerfileRefs(text)).toEqual([
      { kind: 'syntax', name: 'docker/dockerfile:1.7', line: 1 },
      { kind: 'from', name: 'base', line: 2 },
      { kind: 'mount-from', name: 'tools', line: 3 },
      { kind: 'mount-from', name: 'golang:1.22', line: 4 },
      { kind: 'copy-from', name: 'assets', line: 6 },
    ]);
  });

  it('reports external images as refs (the caller decides which are stages)', () => {
    expect(names('FROM debian:12\nCOPY --from=registry.example:5000/tools@sha256:abc /a /b')).toEqual([
      'debian:12',
      'registry.example:5000/tools@sha256:abc',
    ]);
  });

  it('ignores comments, indented comments and instructions other than FROM, COPY and RUN', () => {
    const text = ['# FROM commented', '   # COPY --from=commented /a /b', 'RUN echo FROM nope', 'ADD --from=nope x y', 'ENV X=--from=nope', '  FROM indented'].join(
      '\n',
    );
    expect(parseDockerfileRefs(text)).toEqual([{ kind: 'from', name: 'indented', line: 6 }]);
  });

  it('joins backslash continuations, skipping comment and blank lines inside them', () => {
    const text = ['FROM \\', '# a comment', '', '    base \\  ', '  AS build', 'COPY \\', '  --from=tools \\', '  /a /b'].join('\n');
    expect(parseDockerfileRefs(text)).toEqual([
      { kind: 'from', name: 'base', line: 4 },
      { kind: 'copy-from', name: 'tools', line: 7 },
    ]);
  });

  it('does not continue a comment line that ends in the escape character', () => {
    expect(names('# comment \\\nFROM base')).toEqual(['base']);
  });

  it('uses the escape parser directive for continuations', () => {
    const text = ['# escape=`', '', 'FROM `', '  base', 'RUN dir c:\\', 'FROM other'].join('\n');
    expect(parseDockerfileRefs(text)).toEqual([
      { kind: 'from', name: 'base', line: 4 },
      { kind: 'from', name: 'other', line: 6 },
    ]);
  });

  it('accepts several directives and ignores escape once a non-directive line was seen', () => {
    expect(names('# syntax=docker/dockerfile:1\n#escape = `\nFROM `\nbase')).toEqual(['docker/dockerfile:1', 'base']);
    expect(names('# hello\n# escape=`\nFROM a \\\nAS b\nFROM b')).toEqual(['a']);
    expect(names('# unknown=1\n# escape=`\nFROM `\nbase')).toEqual(['`']);
  });

  it('skips heredoc bodies of RUN, COPY and ADD', () => {
    const text = [
      'FROM base',
      'RUN <<EOF',
      'FROM not-a-ref',
      'EOF',
      'COPY <<-"END" /etc/x',
      '\tCOPY --from=not-a-ref /a /b',
      '\tEND',
      'RUN cat <<A 3<<\'B\'',
      'FROM no1',
      'A',
      'FROM no2',
      'B',
      'FROM after',
    ].join('\n');
    expect(parseDockerfileRefs(text)).toEqual([
      { kind: 'from', name: 'base', line: 1 },
      { kind: 'from', name: 'after', line: 13 },
    ]);
  });

  it('does not look for heredocs in exec form or here-strings', () => {
    const text = ['FROM base', 'RUN ["sh", "-c", "cat <<EOF"]', 'RUN cat <<<"word"', 'FROM next'].join('\n');
    expect(names(text)).toEqual(['base', 'next']);
  });

  it('handles CRLF line endings and a byte order mark', () => {
    expect(parseDockerfileRefs('\uFEFFFROM base\r\nCOPY --from=tools /a /b\r\n')).toEqual([
      { kind: 'from', name: 'base', line: 1 },
      { kind: 'copy-from', name: 'tools', line: 2 },
    ]);
  });

  it('finds nothing in an empty file or one with only comments', () => {
    expect(parseDockerfileRefs('')).toEqual([]);
    expect(parseDockerfileRefs('# just a comment\n\n')).toEqual([]);
  });
});

describe('rewriteDockerfileRefs', () => {
  const images: Record<string, string> = { base: 'reg/img-base:2026-W01-aaaa', tools: 'reg/img-tools:2026-W01-bbbb' };
  const resolve = (name: string) => images[name];

  it('rewrites FROM stage, FROM stage AS x and COPY --from=stage, and nothing else', () => {
    const text = [
      '# syntax=docker/dockerfile:1',
      'FROM base',
      'FROM  --platform=$BUILDPLATFORM   tools   AS   build  ',
      'COPY --from=build /a /b',
      'COPY --chown=1:1 --from=tools /usr/local /usr/local',
      'FROM external:tag',
      'COPY --from=external:tag /x /y',
      'RUN echo base tools',
      '# FROM base',
    ].join('\n');
    expect(rewriteDockerfileRefs(text, resolve)).toBe(
      [
        '# syntax=docker/dockerfile:1',
        'FROM reg/img-base:2026-W01-aaaa',
        'FROM  --platform=$BUILDPLATFORM   reg/img-tools:2026-W01-bbbb   AS   build  ',
        'COPY --from=build /a /b',
        'COPY --chown=1:1 --from=reg/img-tools:2026-W01-bbbb /usr/local /usr/local',
        'FROM external:tag',
        'COPY --from=external:tag /x /y',
        'RUN echo base tools',
        '# FROM base',
      ].join('\n'),
    );
  });

  it('leaves a local alias that shadows a stage name untouched', () => {
    const text = 'FROM base AS tools\nCOPY --from=tools /a /b\nFROM tools\n';
    expect(rewriteDockerfileRefs(text, resolve)).toBe('FROM reg/img-base:2026-W01-aaaa AS tools\nCOPY --from=tools /a /b\nFROM tools\n');
  });

  it('keeps CRLF endings, continuations, heredocs and the trailing newline byte for byte', () => {
    const text = 'FROM \\\r\n  base\r\nRUN <<EOF\r\nFROM base\r\nEOF\r\nCOPY --from=tools \\\r\n /a /b\r\n';
    expect(rewriteDockerfileRefs(text, resolve)).toBe(
      'FROM \\\r\n  reg/img-base:2026-W01-aaaa\r\nRUN <<EOF\r\nFROM base\r\nEOF\r\nCOPY --from=reg/img-tools:2026-W01-bbbb \\\r\n /a /b\r\n',
    );
  });

  it('returns the text unchanged when nothing resolves', () => {
    const text = '\uFEFF# escape=`\nFROM base `\n AS x\nCOPY --from=tools /a /b';
    expect(rewriteDockerfileRefs(text, () => undefined)).toBe(text);
  });

  it('rewrites the # syntax frontend, RUN --mount=from and ONBUILD COPY --from, and a name computed from the global ARGs', () => {
    const pinned: Record<string, string> = { 'docker/dockerfile:1': 'docker/dockerfile@sha256:1', 'golang:1.22': 'golang@sha256:2', tools: 'reg/img-tools:2026-W01-bbbb' };
    const text = [
      '# syntax=docker/dockerfile:1',
      'ARG GO=1.22',
      'FROM golang:${GO} AS build',
      'RUN --mount=type=cache,target=/c --mount=from=tools,target=/t make',
      'ONBUILD COPY --from=tools /a /b',
    ].join('\n');
    expect(rewriteDockerfileRefs(text, (name) => pinned[name])).toBe(
      [
        '# syntax=docker/dockerfile@sha256:1',
        'ARG GO=1.22',
        'FROM golang@sha256:2 AS build',
        'RUN --mount=type=cache,target=/c --mount=from=reg/img-tools:2026-W01-bbbb,target=/t make',
        'ONBUILD COPY --from=reg/img-tools:2026-W01-bbbb /a /b',
      ].join('\n'),
    );
  });

  it('replaces a name split by a continuation as a whole', () => {
    expect(rewriteDockerfileRefs('FROM ba\\\nse\n', resolve)).toBe('FROM reg/img-base:2026-W01-aaaa\n');
  });
});
