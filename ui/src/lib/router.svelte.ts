// Hash routes, so that every view has an address (for screenshots, end-to-end tests and
// links from search hits) and nothing depends on a server:
//   #/                         the meeting list / welcome
//   #/new                      create a meeting
//   #/join                     join with a ticket
//   #/m/<id>/<tab>             a meeting: tab = minutes | drafts | actions | participants
//   #/m/<id>/drafts/<draft>?clause=<clause>   a draft, scrolled to a clause

export type Tab = 'minutes' | 'drafts' | 'actions' | 'participants';
export const TABS: Tab[] = ['minutes', 'drafts', 'actions', 'participants'];

export type Route =
  | { name: 'home' }
  | { name: 'new' }
  | { name: 'join' }
  | { name: 'meeting'; id: string; tab: Tab; draft: string | null; clause: string | null };

export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#/, '');
  const [path, query = ''] = h.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const q = new URLSearchParams(query);
  if (parts[0] === 'new') return { name: 'new' };
  if (parts[0] === 'join') return { name: 'join' };
  if (parts[0] === 'm' && parts[1]) {
    const tab = (TABS as string[]).includes(parts[2]) ? (parts[2] as Tab) : 'drafts';
    return { name: 'meeting', id: parts[1], tab, draft: parts[3] ?? null, clause: q.get('clause') };
  }
  return { name: 'home' };
}

export function href(r: Route): string {
  switch (r.name) {
    case 'home':
      return '#/';
    case 'new':
      return '#/new';
    case 'join':
      return '#/join';
    case 'meeting': {
      let s = `#/m/${encodeURIComponent(r.id)}/${r.tab}`;
      if (r.draft) s += `/${encodeURIComponent(r.draft)}`;
      if (r.clause) s += `?clause=${encodeURIComponent(r.clause)}`;
      return s;
    }
  }
}

const state = $state({ route: parseRoute(typeof location === 'undefined' ? '' : location.hash) });

if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', () => {
    state.route = parseRoute(location.hash);
  });
}

export const router = {
  get route(): Route {
    return state.route;
  },
  go(r: Route) {
    const h = href(r);
    if (location.hash !== h) location.hash = h;
    state.route = parseRoute(h);
  },
  /** Re-read the address (tests set location.hash directly). */
  sync() {
    state.route = parseRoute(location.hash);
  },
};
