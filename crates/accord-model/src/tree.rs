//! Resolving the clause tree from what a draft document stores.
//!
//! A draft stores its clauses flat, in a map by id. Each clause records its `parent` (a
//! last-writer-wins register) and each container — the draft itself or a clause — an ordered
//! list of child ids (an automerge list, so concurrent inserts interleave deterministically).
//! A move rewrites both. Concurrent edits can leave states no single device wrote: an id in
//! two lists, in a list that is not its parent's, a parent that was deleted, or a cycle (A
//! moved under B while B moved under A). [`resolve`] turns *any* such state into one tree, as
//! a pure function of the state, so every replica that holds the same changes shows the same
//! outline, and no clause that nobody deleted is lost:
//!
//! * a clause belongs to the container named by its `parent`; its place is its first
//!   occurrence in that container's list; clauses missing from the list follow in id order;
//! * a clause whose parent does not exist belongs to the top level;
//! * the sub-items of a deleted clause take its place (they are hoisted), unless they were
//!   deleted with it;
//! * a cycle is broken at its smallest id, which moves to the end of the top level.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::ids::ClauseId;

/// One clause as stored: its structural fields only.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawClause {
    pub parent: Option<ClauseId>,
    pub children: Vec<ClauseId>,
    pub removed: bool,
}

/// A draft's structure as stored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawTree {
    pub top: Vec<ClauseId>,
    pub clauses: BTreeMap<ClauseId, RawClause>,
}

/// A visible clause placed in the resolved tree, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub id: ClauseId,
    pub depth: usize,
    /// The visible clause it is a sub-item of, or `None` at the top level.
    pub parent: Option<ClauseId>,
}

impl RawTree {
    /// The container a clause belongs to: its parent if that exists, else the top level.
    fn container_of(&self, id: &ClauseId) -> Option<&ClauseId> {
        self.clauses[id]
            .parent
            .as_ref()
            .filter(|p| self.clauses.contains_key(*p))
    }
}

/// The tree being resolved, with each container's members precomputed so resolving stays
/// linear in the number of clauses.
struct Resolver<'a> {
    raw: &'a RawTree,
    /// Clauses by the container they belong to, in id order.
    belongs: HashMap<Option<&'a ClauseId>, Vec<&'a ClauseId>>,
    reached: BTreeSet<&'a ClauseId>,
    out: Vec<Placed>,
}

impl<'a> Resolver<'a> {
    /// The ordered members of a container (`None` = top level).
    fn members(&self, container: Option<&'a ClauseId>) -> Vec<&'a ClauseId> {
        let list = match container {
            None => &self.raw.top,
            Some(c) => &self.raw.clauses[c].children,
        };
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for id in list {
            if self.raw.clauses.contains_key(id)
                && self.raw.container_of(id) == container
                && seen.insert(id)
            {
                out.push(id);
            }
        }
        // Members whose list entry is missing follow in id order.
        for id in self.belongs.get(&container).into_iter().flatten() {
            if !seen.contains(id) {
                out.push(id);
            }
        }
        out
    }

    fn visit(
        &mut self,
        container: Option<&'a ClauseId>,
        visible_parent: Option<&'a ClauseId>,
        depth: usize,
    ) {
        for id in self.members(container) {
            self.place(id, visible_parent, depth);
        }
    }

    fn place(&mut self, id: &'a ClauseId, visible_parent: Option<&'a ClauseId>, depth: usize) {
        if !self.reached.insert(id) {
            return;
        }
        if self.raw.clauses[id].removed {
            // Hoist: the sub-items take the deleted clause's place.
            self.visit(Some(id), visible_parent, depth);
        } else {
            self.out.push(Placed {
                id: id.clone(),
                depth,
                parent: visible_parent.cloned(),
            });
            self.visit(Some(id), Some(id), depth + 1);
        }
    }
}

/// The visible clauses in document order with their depth and visible parent.
pub fn resolve(raw: &RawTree) -> Vec<Placed> {
    let mut belongs: HashMap<Option<&ClauseId>, Vec<&ClauseId>> = HashMap::new();
    for id in raw.clauses.keys() {
        belongs.entry(raw.container_of(id)).or_default().push(id);
    }
    let mut r = Resolver {
        raw,
        belongs,
        reached: BTreeSet::new(),
        out: Vec::new(),
    };
    r.visit(None, None, 0);
    // Whatever was not reached hangs off a cycle. Break each at its smallest id.
    while r.reached.len() < raw.clauses.len() {
        let Some(start) = raw.clauses.keys().find(|id| !r.reached.contains(*id)) else {
            break;
        };
        let mut path: Vec<&ClauseId> = Vec::new();
        let mut on_path = HashSet::new();
        let mut cur = start;
        while on_path.insert(cur) {
            path.push(cur);
            match raw.container_of(cur) {
                Some(p) if !r.reached.contains(p) => cur = p,
                _ => break,
            }
        }
        let pos = path.iter().position(|x| *x == cur).unwrap_or(0);
        let root = path[pos..].iter().min().copied().unwrap_or(cur);
        r.place(root, None, 0);
    }
    r.out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ClauseId {
        ClauseId::new(s).unwrap()
    }

    /// Builds a raw tree from `(id, parent, children, removed)` rows and the top list.
    fn tree(top: &[&str], rows: &[(&str, Option<&str>, &[&str], bool)]) -> RawTree {
        RawTree {
            top: top.iter().map(|s| id(s)).collect(),
            clauses: rows
                .iter()
                .map(|(i, p, ch, rm)| {
                    (
                        id(i),
                        RawClause {
                            parent: p.map(id),
                            children: ch.iter().map(|s| id(s)).collect(),
                            removed: *rm,
                        },
                    )
                })
                .collect(),
        }
    }

    fn outline(raw: &RawTree) -> String {
        resolve(raw)
            .iter()
            .map(|p| format!("{}{}", "  ".repeat(p.depth), p.id))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn plain_tree_in_list_order() {
        let t = tree(
            &["b", "a"],
            &[
                ("a", None, &["c"], false),
                ("b", None, &[], false),
                ("c", Some("a"), &[], false),
            ],
        );
        assert_eq!(outline(&t), "b\na\n  c");
    }

    #[test]
    fn an_id_listed_twice_takes_its_first_place() {
        let t = tree(
            &["a", "b", "a"],
            &[("a", None, &[], false), ("b", None, &[], false)],
        );
        assert_eq!(outline(&t), "a\nb");
    }

    #[test]
    fn an_entry_in_a_list_that_is_not_its_parent_is_ignored() {
        // b was moved under a concurrently with another move; its parent field decides.
        let t = tree(
            &["a", "b"],
            &[("a", None, &["b"], false), ("b", Some("a"), &[], false)],
        );
        assert_eq!(outline(&t), "a\n  b");
    }

    #[test]
    fn a_clause_missing_from_its_parents_list_still_shows() {
        let t = tree(
            &["a"],
            &[
                ("a", None, &[], false),
                ("z", Some("a"), &[], false),
                ("y", Some("a"), &[], false),
            ],
        );
        assert_eq!(outline(&t), "a\n  y\n  z");
    }

    #[test]
    fn a_missing_parent_means_top_level() {
        let t = tree(
            &["a"],
            &[("a", None, &[], false), ("b", Some("gone"), &[], false)],
        );
        assert_eq!(outline(&t), "a\nb");
    }

    #[test]
    fn sub_items_of_a_deleted_clause_are_hoisted_into_its_place() {
        let t = tree(
            &["a", "b", "c"],
            &[
                ("a", None, &[], false),
                ("b", None, &["x", "y"], true),
                ("c", None, &[], false),
                ("x", Some("b"), &[], false),
                ("y", Some("b"), &[], true),
            ],
        );
        assert_eq!(outline(&t), "a\nx\nc");
        let placed = resolve(&t);
        assert_eq!(placed[1].parent, None);
    }

    #[test]
    fn a_cycle_is_broken_at_its_smallest_id() {
        // a moved under b while b moved under a; c hangs under b.
        let t = tree(
            &["a", "b", "k"],
            &[
                ("k", None, &[], false),
                ("a", Some("b"), &["b"], false),
                ("b", Some("a"), &["a", "c"], false),
                ("c", Some("b"), &[], false),
            ],
        );
        assert_eq!(outline(&t), "k\na\n  b\n    c");
    }
}
