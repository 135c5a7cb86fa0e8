// A search snippet marks its matches with HIT_START … HIT_END. It is split into parts and
// rendered as text nodes (never as HTML), so a snippet cannot inject markup.
import { HIT_END, HIT_START } from './types';

export interface SnippetPart {
  text: string;
  hit: boolean;
}

export function snippetParts(snippet: string): SnippetPart[] {
  const out: SnippetPart[] = [];
  let hit = false;
  let buf = '';
  const flush = () => {
    if (buf) out.push({ text: buf, hit });
    buf = '';
  };
  for (const c of snippet) {
    if (c === HIT_START) {
      flush();
      hit = true;
    } else if (c === HIT_END) {
      flush();
      hit = false;
    } else buf += c;
  }
  flush();
  return out;
}
