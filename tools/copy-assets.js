// Copies the non-TypeScript files executors and generators need (schema.json, templates) from src/ into dist/,
// then marks the build done (the integration specs' global setup compares sources with the mark).
const { cpSync, readdirSync, statSync, mkdirSync, writeFileSync } = require('node:fs');
const { join, dirname, sep } = require('node:path');

const src = join(__dirname, '..', 'packages', 'nx', 'src');
const dist = join(__dirname, '..', 'packages', 'nx', 'dist');
const BUILD_STAMP = join(dist, '.built');

function copyAssets(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    // A corpus directory holds the specs' fixtures (Dockerfiles with their contexts), which no executor or generator reads.
    if (statSync(path).isDirectory()) {
      if (entry !== 'corpus') copyAssets(path);
    }
    else if (entry.endsWith('.json') || path.slice(src.length).split(sep).includes('files')) {
      const target = join(dist, path.slice(src.length));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
    }
  }
}

if (require.main === module) {
  copyAssets(src);
  writeFileSync(BUILD_STAMP, `${new Date().toISOString()}\n`);
}

module.exports = { BUILD_STAMP };
