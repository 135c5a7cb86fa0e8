// The draft's clause tree as the rows the Drafts tab shows, and the status summary.
import { hasBrackets } from './brackets';
import { numberLabel } from './numbering';
import type { ClauseStatus, ClauseView, Cursor, DraftView, StatusSummary } from './types';

export interface Row {
  clause: ClauseView;
  depth: number;
  parent: string | null;
  /** The clause before / after it at its level, for moving. */
  prevSibling: string | null;
  nextSibling: string | null;
}

/** Every clause in document order with its neighbours (like `DraftView::outline`). */
export function outline(v: DraftView): Row[] {
  const out: Row[] = [];
  const walk = (cs: ClauseView[], parent: string | null) => {
    cs.forEach((c, i) => {
      out.push({
        clause: c,
        depth: c.number.depth,
        parent,
        prevSibling: i > 0 ? cs[i - 1].id : null,
        nextSibling: i + 1 < cs.length ? cs[i + 1].id : null,
      });
      walk(c.children, c.id);
    });
  };
  walk(v.clauses, null);
  return out;
}

/** How many clauses stand at each status, like `DraftView::summary`. */
export function summarize(v: DraftView): StatusSummary {
  const s: StatusSummary = { total: 0, open: 0, bracketed: 0, agreed_ad_ref: 0, agreed: 0, adopted: 0, deleted: 0, with_brackets: 0 };
  for (const { clause: c } of outline(v)) {
    s.total++;
    s[c.status]++;
    if (hasBrackets(c.brackets)) s.with_brackets++;
  }
  return s;
}

/** "Agreed" in the summary line counts every settled status: agreed ad ref, agreed, adopted. */
export function agreedCount(s: StatusSummary): number {
  return s.agreed_ad_ref + s.agreed + s.adopted;
}

/** What a clause row can ask the Drafts tab to do. */
export interface ClauseOps {
  addAfter(id: string): void;
  addSub(id: string): void;
  indent(id: string): void;
  outdent(id: string): void;
  moveUp(id: string): void;
  moveDown(id: string): void;
  remove(id: string, focusPrev?: boolean): void;
  setStatus(id: string, s: ClauseStatus): void;
  focusNeighbour(id: string, dir: -1 | 1): void;
  help(): void;
  cursor(id: string, c: Cursor | null): void;
  error(e: unknown): void;
}


/** Each clause's full reference as people cite it: "2", "2.a", "2.a.i". */
export function fullLabels(v: DraftView): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (cs: ClauseView[], prefix: string) => {
    for (const c of cs) {
      const label = prefix + numberLabel(c.number);
      out[c.id] = label;
      walk(c.children, label + '.');
    }
  };
  walk(v.clauses, '');
  return out;
}
