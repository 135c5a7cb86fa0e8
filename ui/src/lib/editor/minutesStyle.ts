// How Markdown reads in the minutes editor: headings as headings (the `#` marks quiet),
// no underlines, emphasis as emphasis.
import { HighlightStyle } from '@codemirror/language';
import { tags } from '@lezer/highlight';

export const minutesHighlight = HighlightStyle.define([
  { tag: tags.heading1, fontSize: '1.35em', fontWeight: '600' },
  { tag: tags.heading2, fontSize: '1.12em', fontWeight: '600' },
  { tag: [tags.heading3, tags.heading4, tags.heading5, tags.heading6], fontWeight: '600' },
  { tag: tags.strong, fontWeight: '700' },
  { tag: tags.emphasis, fontStyle: 'italic' },
  { tag: tags.strikethrough, textDecoration: 'line-through' },
  { tag: [tags.processingInstruction, tags.meta, tags.contentSeparator], color: '#a3a8b1' },
  { tag: [tags.link, tags.url], color: '#1f4e79', textDecoration: 'underline' },
  { tag: tags.monospace, fontFamily: 'ui-monospace, monospace', fontSize: '0.9em' },
  { tag: tags.quote, color: '#3f4856', fontStyle: 'italic' },
]);
