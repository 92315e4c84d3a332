// Copies the non-TypeScript files executors and generators need (schema.json, templates) from src/ into dist/.
const { cpSync, readdirSync, statSync, mkdirSync } = require('node:fs');
const { join, dirname, sep } = require('node:path');

const src = join(__dirname, '..', 'packages', 'nx', 'src');
const dist = join(__dirname, '..', 'packages', 'nx', 'dist');

function copyAssets(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) copyAssets(path);
    else if (entry.endsWith('.json') || path.slice(src.length).split(sep).includes('files')) {
      const target = join(dist, path.slice(src.length));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
    }
  }
}

copyAssets(src);
