/** A unified diff of two small texts (the declared-tags file before and after an update). */

const CONTEXT_LINES = 3;

type Edit = { kind: ' ' | '-' | '+'; line: string };

export function unifiedDiff(before: string, after: string, file: string): string {
  if (before === after) return '';
  const edits = lineEdits(splitLines(before), splitLines(after));
  const hunks: string[] = [];
  let index = 0;
  while (index < edits.length) {
    const firstChange = edits.findIndex((edit, i) => i >= index && edit.kind !== ' ');
    if (firstChange < 0) break;
    const start = Math.max(index, firstChange - CONTEXT_LINES);
    let end = firstChange;
    // Extend the hunk while the next change is within two contexts' reach.
    for (let i = firstChange; i < edits.length; i++) {
      if (edits[i].kind !== ' ') end = i;
      else if (i - end > 2 * CONTEXT_LINES) break;
    }
    const stop = Math.min(edits.length, end + CONTEXT_LINES + 1);
    hunks.push(hunk(edits, start, stop));
    index = stop;
  }
  return [`--- a/${file}`, `+++ b/${file}`, ...hunks].join('\n') + '\n';
}

function hunk(edits: Edit[], start: number, stop: number): string {
  const oldStart = edits.slice(0, start).filter((e) => e.kind !== '+').length + 1;
  const newStart = edits.slice(0, start).filter((e) => e.kind !== '-').length + 1;
  const body = edits.slice(start, stop);
  const oldCount = body.filter((e) => e.kind !== '+').length;
  const newCount = body.filter((e) => e.kind !== '-').length;
  const header = `@@ -${oldCount ? oldStart : oldStart - 1},${oldCount} +${newCount ? newStart : newStart - 1},${newCount} @@`;
  return [header, ...body.map((e) => `${e.kind}${e.line}`)].join('\n');
}

/** Longest-common-subsequence edit script; the file has one line per stage, so quadratic is fine. */
function lineEdits(a: string[], b: string[]): Edit[] {
  const lengths = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i][j] = a[i] === b[j] ? lengths[i + 1][j + 1] + 1 : Math.max(lengths[i + 1][j], lengths[i][j + 1]);
    }
  }
  const edits: Edit[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      edits.push({ kind: ' ', line: a[i++] });
      j++;
    } else if (i < a.length && (j === b.length || lengths[i + 1][j] >= lengths[i][j + 1])) {
      edits.push({ kind: '-', line: a[i++] });
    } else {
      edits.push({ kind: '+', line: b[j++] });
    }
  }
  return edits;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
