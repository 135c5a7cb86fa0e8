//! Property: replicas that edit a draft concurrently — inserting, deleting, moving,
//! indenting and outdenting clauses, changing statuses and splicing non-ASCII text — and then
//! merge in any order end with identical documents, identical numbering, and every clause
//! that nobody deleted.

mod common;

use std::collections::BTreeSet;

use accord_model::{ChangeCtx, ClauseId, ClauseStatus, DeviceId, Placement, Splice, change, draft};
use automerge::Automerge;
use proptest::prelude::*;

const TEXTS: [&str; 8] = ["é", "😀", "ñandú ", "[x]", "中文", " ", "a", "🇨🇷"];

#[derive(Debug, Clone)]
enum Op {
    Insert {
        anchor: usize,
        mode: u8,
        text: usize,
    },
    Delete {
        target: usize,
    },
    Move {
        target: usize,
        anchor: usize,
        mode: u8,
    },
    Indent {
        target: usize,
    },
    Outdent {
        target: usize,
    },
    Status {
        target: usize,
        status: usize,
    },
    Splice {
        target: usize,
        pos: usize,
        del: usize,
        text: usize,
    },
    Title {
        pos: usize,
        text: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let i = 0usize..64;
    prop_oneof![
        3 => (i.clone(), 0u8..4, 0..TEXTS.len()).prop_map(|(anchor, mode, text)| Op::Insert { anchor, mode, text }),
        2 => i.clone().prop_map(|target| Op::Delete { target }),
        3 => (i.clone(), i.clone(), 0u8..4).prop_map(|(target, anchor, mode)| Op::Move { target, anchor, mode }),
        1 => i.clone().prop_map(|target| Op::Indent { target }),
        1 => i.clone().prop_map(|target| Op::Outdent { target }),
        1 => (i.clone(), 0..ClauseStatus::ALL.len()).prop_map(|(target, status)| Op::Status { target, status }),
        4 => (i.clone(), 0usize..40, 0usize..4, 0..TEXTS.len()).prop_map(|(target, pos, del, text)| Op::Splice { target, pos, del, text }),
        1 => (0usize..40, 0..TEXTS.len()).prop_map(|(pos, text)| Op::Title { pos, text }),
    ]
}

/// One round: each listed replica applies its ops, then the listed merges (from, into) run.
type Round = (Vec<(usize, Vec<Op>)>, Vec<(usize, usize)>);

#[derive(Debug, Clone)]
struct Scenario {
    replicas: usize,
    /// Rounds of (replica, ops) followed by pairwise merges (from, into).
    rounds: Vec<Round>,
    /// The order in which the replicas are finally merged together.
    final_order: Vec<usize>,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (2usize..=5).prop_flat_map(|n| {
        let edits = prop::collection::vec((0..n, prop::collection::vec(op(), 1..10)), 1..8);
        let merges = prop::collection::vec((0..n, 0..n), 0..4);
        let rounds = prop::collection::vec((edits, merges), 1..4);
        let order = Just((0..n).collect::<Vec<_>>()).prop_shuffle();
        (Just(n), rounds, order).prop_map(|(replicas, rounds, final_order)| Scenario {
            replicas,
            rounds,
            final_order,
        })
    })
}

struct Replica {
    doc: Automerge,
    ctx: ChangeCtx,
    next: usize,
    n: usize,
}

fn pick(outline: &[ClauseId], i: usize) -> Option<ClauseId> {
    if outline.is_empty() {
        None
    } else {
        Some(outline[i % outline.len()].clone())
    }
}

fn placement(outline: &[ClauseId], anchor: usize, mode: u8) -> Placement {
    match (pick(outline, anchor), mode) {
        (None, _) => Placement::top_end(),
        (Some(a), 0) => Placement::After { clause: a },
        (Some(a), 1) => Placement::Before { clause: a },
        (Some(a), 2) => Placement::End { parent: Some(a) },
        (Some(_), _) => Placement::Start { parent: None },
    }
}

impl Replica {
    /// Applies one op; ops the rules refuse (e.g. indenting the first clause) change nothing.
    fn apply(
        &mut self,
        op: &Op,
        inserted: &mut BTreeSet<ClauseId>,
        deleted: &mut BTreeSet<ClauseId>,
    ) {
        let view = draft::read(&self.doc).expect("readable");
        let outline: Vec<ClauseId> = view.outline().iter().map(|c| c.id.clone()).collect();
        let res = match op {
            Op::Insert { anchor, mode, text } => {
                let id = ClauseId::new(format!("r{}-{}", self.n, self.next)).unwrap();
                self.next += 1;
                let at = placement(&outline, *anchor, *mode);
                let r = change(&mut self.doc, &self.ctx, |tx| {
                    draft::insert_clause(tx, &id, &at, TEXTS[*text], &[])
                });
                if r.is_ok() {
                    inserted.insert(id);
                }
                r.map(|_| ())
            }
            Op::Delete { target } => {
                let Some(t) = pick(&outline, *target) else {
                    return;
                };
                // The clause and its sub-items as this replica sees them.
                let mut gone = vec![t.clone()];
                let sub = view.find(&t).unwrap();
                fn walk(c: &accord_model::ClauseView, out: &mut Vec<ClauseId>) {
                    for ch in &c.children {
                        out.push(ch.id.clone());
                        walk(ch, out);
                    }
                }
                walk(sub, &mut gone);
                let r = change(&mut self.doc, &self.ctx, |tx| draft::delete_clause(tx, &t));
                if r.is_ok() {
                    deleted.extend(gone);
                }
                r.map(|_| ())
            }
            Op::Move {
                target,
                anchor,
                mode,
            } => {
                let Some(t) = pick(&outline, *target) else {
                    return;
                };
                let at = placement(&outline, *anchor, *mode);
                change(&mut self.doc, &self.ctx, |tx| {
                    draft::move_clause(tx, &t, &at)
                })
                .map(|_| ())
            }
            Op::Indent { target } => {
                let Some(t) = pick(&outline, *target) else {
                    return;
                };
                change(&mut self.doc, &self.ctx, |tx| draft::indent(tx, &t)).map(|_| ())
            }
            Op::Outdent { target } => {
                let Some(t) = pick(&outline, *target) else {
                    return;
                };
                change(&mut self.doc, &self.ctx, |tx| draft::outdent(tx, &t)).map(|_| ())
            }
            Op::Status { target, status } => {
                let Some(t) = pick(&outline, *target) else {
                    return;
                };
                change(&mut self.doc, &self.ctx, |tx| {
                    draft::set_status(tx, &t, ClauseStatus::ALL[*status])
                })
                .map(|_| ())
            }
            Op::Splice {
                target,
                pos,
                del,
                text,
            } => {
                let Some(t) = pick(&outline, *target) else {
                    return;
                };
                let len = accord_model::text::utf16_len(&view.find(&t).unwrap().text);
                let pos = pos % (len + 1);
                let del = del % (len - pos + 1);
                change(&mut self.doc, &self.ctx, |tx| {
                    draft::splice_clause(tx, &t, &Splice::new(pos, del, TEXTS[*text]))
                })
                .map(|_| ())
            }
            Op::Title { pos, text } => {
                let len = accord_model::text::utf16_len(&view.title);
                change(&mut self.doc, &self.ctx, |tx| {
                    draft::splice_title(tx, &Splice::insert(pos % (len + 1), TEXTS[*text]))
                })
                .map(|_| ())
            }
        };
        // Refusals are part of the rules; anything else is a bug.
        if let Err(e) = res {
            use accord_model::ModelError::*;
            assert!(
                matches!(
                    e,
                    CannotIndent(_)
                        | CannotOutdent(_)
                        | MoveIntoItself { .. }
                        | BracketsRemain { .. }
                ),
                "unexpected error for {op:?}: {e}"
            );
        }
    }
}

fn merge(replicas: &mut [Replica], from: usize, into: usize) {
    if from == into {
        return;
    }
    let mut src = replicas[from].doc.clone();
    replicas[into].doc.merge(&mut src).unwrap();
}

fn run(s: &Scenario) {
    let mut base = common::new_draft();
    change(&mut base, &common::ctx(1), |tx| {
        draft::insert_clause(
            tx,
            &common::id("base-1"),
            &Placement::top_end(),
            "Urge",
            &[],
        )?;
        draft::insert_clause(
            tx,
            &common::id("base-2"),
            &Placement::top_end(),
            "Request [the TS]",
            &[],
        )?;
        draft::insert_clause(
            tx,
            &common::id("base-2a"),
            &Placement::end_of(&common::id("base-2")),
            "to study",
            &[],
        )
    })
    .unwrap();
    let mut inserted: BTreeSet<ClauseId> = ["base-1", "base-2", "base-2a"]
        .iter()
        .map(|s| common::id(s))
        .collect();
    let mut deleted = BTreeSet::new();
    let mut replicas: Vec<Replica> = (0..s.replicas)
        .map(|n| Replica {
            doc: base.fork(),
            ctx: ChangeCtx::new(
                DeviceId::from_bytes([10 + n as u8; 32]),
                jiff::Timestamp::UNIX_EPOCH,
            ),
            next: 0,
            n,
        })
        .collect();
    for (edits, merges) in &s.rounds {
        for (r, ops) in edits {
            for op in ops {
                replicas[*r].apply(op, &mut inserted, &mut deleted);
            }
        }
        for (from, into) in merges {
            merge(&mut replicas, *from, *into);
        }
    }
    // Merge everything into the first in the final order, then hand it back to all.
    let hub = s.final_order[0];
    for &r in &s.final_order[1..] {
        merge(&mut replicas, r, hub);
    }
    for &r in &s.final_order[1..] {
        merge(&mut replicas, hub, r);
    }
    let views: Vec<_> = replicas
        .iter()
        .map(|r| draft::read(&r.doc).expect("merged draft is readable"))
        .collect();
    let mut heads: Vec<_> = replicas.iter().map(|r| r.doc.get_heads()).collect();
    for h in &mut heads {
        h.sort();
    }
    for (i, v) in views.iter().enumerate().skip(1) {
        assert_eq!(heads[i], heads[0], "replica {i} has other heads");
        assert_eq!(*v, views[0], "replica {i} shows another draft");
    }
    let shown: BTreeSet<ClauseId> = views[0].outline().iter().map(|c| c.id.clone()).collect();
    for id in inserted.difference(&deleted) {
        assert!(
            shown.contains(id),
            "clause {id} was never deleted but is missing:\n{}",
            views[0].to_plain_text()
        );
    }
    for id in &shown {
        assert!(!deleted.contains(id), "clause {id} was deleted but shows");
    }
    // Numbering is consecutive at every level.
    fn check(cs: &[accord_model::ClauseView], depth: usize) {
        for (i, c) in cs.iter().enumerate() {
            assert_eq!((c.number.ordinal, c.number.depth), (i + 1, depth));
            check(&c.children, depth + 1);
        }
    }
    check(&views[0].clauses, 0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn concurrent_edits_converge_to_one_numbered_draft_without_losing_clauses(s in scenario()) {
        run(&s);
    }
}
