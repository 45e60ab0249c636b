// The fenced code blocks of the project's markdown files, with the `<!-- readme-test: ... -->`
// marker before each (test/readme.test.ts says what the markers mean).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { marked, type Token } from 'marked';

const root = new URL('../..', import.meta.url).pathname;

export interface Block {
  file: string;
  /** The step that runs or checks it; null when skipped. */
  step: string | null;
  lang: string;
  text: string;
}

/** Every fenced block with the marker before it (undefined: none). */
export function readBlocks(file: string): Array<Block & { marker: string | undefined }> {
  const blocks: Array<Block & { marker: string | undefined }> = [];
  const visit = (tokens: Token[]) => {
    let previous: Token | undefined;
    for (const token of tokens) {
      if (token.type === 'code') {
        const marker = previous?.type === 'html' ? /^<!--\s*readme-test:\s*(.+?)\s*-->\s*$/.exec(previous.raw)?.[1] : undefined;
        const step = marker === undefined || marker.startsWith('skip:') ? null : marker;
        blocks.push({ file, marker, step, lang: token.lang ?? '', text: token.text });
      }
      if (token.type !== 'space') previous = token;
      const children = token as { tokens?: Token[]; items?: Array<{ tokens: Token[] }> };
      if (children.tokens) visit(children.tokens);
      for (const item of children.items ?? []) visit(item.tokens);
    }
  };
  visit(marked.lexer(readFileSync(join(root, file), 'utf8')));
  return blocks;
}

/** The text of the block the README marks with this step. */
export function readmeBlock(step: string): string {
  const block = readBlocks('README.md').find((b) => b.step === step);
  if (!block) throw new Error(`README.md has no block marked readme-test: ${step}`);
  return block.text;
}
