import { copiedSources, sourceMatcher } from './copied-files';

describe('copiedSources', () => {
  it('lists the sources of COPY and ADD without --from, cleaned, shell and exec form', () => {
    const dockerfile = [
      'FROM base',
      'COPY go.mod go.sum ./',
      'COPY --chown=1000:1000 ./cmd/ /src/cmd/',
      'ADD ["/static", "/www"]',
      'COPY --from=builder /out/app /app',
      'ADD https://example.org/x.tgz /tmp/',
      'COPY <<EOF /etc/motd',
      'hello',
      'EOF',
    ].join('\n');
    expect(copiedSources(dockerfile)).toEqual(['go.mod', 'go.sum', 'cmd', 'static']);
  });

  it('lists what RUN --mount=type=bind mounts of the context read, and not cache, tmpfs or stage mounts', () => {
    const dockerfile = [
      'FROM base',
      'RUN --mount=type=cache,target=/go/pkg/mod --mount=type=bind,source=go.sum,target=go.sum --mount=type=bind,src=./go.mod,target=go.mod go mod download',
      'RUN --mount=from=build,source=/out,target=/out --mount=type=tmpfs,target=/tmp --mount=type=bind,from=tools,target=/t true',
    ].join('\n');
    expect(copiedSources(dockerfile)).toEqual(['go.sum', 'go.mod']);
  });

  it.each([['COPY . /src'], ['COPY ./ /src'], ['COPY $SRC /src'], ['COPY ../x /x'], ['RUN --mount=type=bind,target=. make'], ['RUN --mount=type=bind,source=.,target=/src make']])('reads the whole context for %s', (line) => {
    expect(copiedSources(`FROM base\n${line}\n`)).toBe('all');
  });
});

describe('sourceMatcher', () => {
  it.each([
    ['src', 'src/a/b.c', true],
    ['src', 'srcx/a', false],
    ['*.go', 'main.go', true],
    ['*.go', 'cmd/main.go', false],
    ['cmd/*', 'cmd/tool/main.go', true],
    ['file?.txt', 'file1.txt', true],
    ['[a-c]*.md', 'b.md', true],
    ['[!a-c]*.md', 'b.md', false],
    ['a.b', 'axb', false],
  ])('%s matches %s: %s', (pattern, file, expected) => {
    expect(sourceMatcher(pattern)(file)).toBe(expected);
  });
});
