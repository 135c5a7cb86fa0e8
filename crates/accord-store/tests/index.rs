//! The query index, fed with the demo meeting's views: search, the action tracker, the
//! meeting list, and rebuilds.

use accord_model::demo::{self, Demo, DemoIds};
use accord_model::{
    ActionId, ActionStatus, ChangeCtx, ClauseId, DeviceId, DocId, PartyId, Placement, Splice,
    action, change, draft, meeting, minutes,
};
use accord_store::{ActionFilter, HitKind, IndexDoc, Profile, StoreOptions};
use jiff::civil::date;

fn ctx() -> ChangeCtx {
    ChangeCtx::new(
        DeviceId::from_bytes([3; 32]),
        "2014-11-24T15:00:00Z".parse().unwrap(),
    )
}

fn ids(prefix: &str) -> DemoIds {
    DemoIds {
        meeting: DocId::new(format!("{prefix}-meeting")).unwrap(),
        minutes: DocId::new(format!("{prefix}-minutes")).unwrap(),
        draft: DocId::new(format!("{prefix}-draft")).unwrap(),
    }
}

fn views(ids: &DemoIds, demo: &Demo) -> Vec<IndexDoc> {
    vec![
        IndexDoc::Meeting(ids.meeting.clone(), meeting::read(&demo.meeting).unwrap()),
        IndexDoc::Draft(ids.draft.clone(), draft::read(&demo.draft).unwrap()),
        IndexDoc::Minutes(ids.minutes.clone(), minutes::read(&demo.minutes).unwrap()),
    ]
}

fn open(dir: &std::path::Path) -> Profile {
    Profile::open_with(dir, StoreOptions::default()).unwrap()
}

/// A profile with the demo meeting indexed (one document at a time, as the Workspace does).
async fn indexed_demo(dir: &std::path::Path) -> (Profile, DemoIds, Demo) {
    let p = open(dir);
    let ids = ids("rcm");
    let demo = demo::build(&ids, &ctx()).unwrap();
    for d in views(&ids, &demo) {
        p.store().index(d).await.unwrap();
    }
    (p, ids, demo)
}

fn pid(s: &str) -> PartyId {
    PartyId::new(s).unwrap()
}

fn action_ids(rows: &[accord_store::ActionRow]) -> Vec<String> {
    rows.iter().map(|r| r.action.id.to_string()).collect()
}

#[tokio::test]
async fn a_word_typed_a_moment_ago_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let (p, ids, mut demo) = indexed_demo(dir.path()).await;
    assert!(p.store().search("Zanzibar", 10).unwrap().is_empty());
    let p3 = ClauseId::new("p3").unwrap();
    change(&mut demo.draft, &ctx(), |tx| {
        draft::splice_clause(tx, &p3, &Splice::insert(0, "Zanzibar: "))
    })
    .unwrap();
    p.store()
        .index_draft(ids.draft.clone(), draft::read(&demo.draft).unwrap())
        .await
        .unwrap();

    // While typing: the last word is a prefix.
    for typed in ["zanzib", "Zanzibar", "zanzibar ", "thank zanz"] {
        let hits = p.store().search(typed, 10).unwrap();
        assert_eq!(hits.len(), 1, "{typed:?}: {hits:?}");
        let h = &hits[0];
        assert_eq!(h.kind, HitKind::Clause);
        assert_eq!(h.clause, Some(p3.clone()));
        assert_eq!(h.document, ids.draft);
        assert_eq!(h.meeting, ids.meeting);
        assert_eq!(h.label, "3");
    }
    // A whole word followed by a space is not a prefix any more.
    assert!(p.store().search("zanzib ", 10).unwrap().is_empty());
}

#[tokio::test]
async fn accents_are_folded_in_both_directions() {
    let dir = tempfile::tempdir().unwrap();
    let (p, ids, mut demo) = indexed_demo(dir.path()).await;
    // The demo writes "Mexico"; a clause with "San José" is added here.
    let venue = ClauseId::new("venue").unwrap();
    change(&mut demo.draft, &ctx(), |tx| {
        draft::insert_clause(
            tx,
            &venue,
            &Placement::top_end(),
            "Hold the next meeting of the Network in San José, Costa Rica.",
            &[pid("costa-rica")],
        )
    })
    .unwrap();
    p.store()
        .index_draft(ids.draft.clone(), draft::read(&demo.draft).unwrap())
        .await
        .unwrap();
    let hits = p.store().search("México", 50).unwrap();
    assert!(
        hits.iter()
            .any(|h| h.clause.as_ref().is_some_and(|c| c.as_str() == "p1")),
        "{hits:?}"
    );
    let hits = p.store().search("san jose", 10).unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].clause.as_ref().map(ClauseId::as_str), Some("venue"));
    assert_eq!(hits[0].document, ids.draft);
    let marked = hits[0].snippet.marked("[[", "]]");
    assert!(marked.contains("[[San]] [[José]]"), "{marked}");
}

#[tokio::test]
async fn hits_name_meeting_document_clause_and_carry_a_snippet() {
    let dir = tempfile::tempdir().unwrap();
    let (p, ids, _demo) = indexed_demo(dir.path()).await;
    let hits = p.store().search("Palermo", 10).unwrap();
    let kinds: Vec<HitKind> = hits.iter().map(|h| h.kind).collect();
    assert!(
        kinds.contains(&HitKind::Clause) && kinds.contains(&HitKind::Minutes),
        "{hits:?}"
    );
    for h in &hits {
        assert_eq!(h.meeting, ids.meeting);
        assert!(
            h.meeting_title
                .as_deref()
                .unwrap()
                .starts_with("Regular Meeting of the Liaison")
        );
        assert_eq!(h.snippet.highlights.len(), 1, "{h:?}");
        assert_eq!(&h.snippet.text[h.snippet.highlights[0].clone()], "Palermo");
        match h.kind {
            HitKind::Clause => {
                assert_eq!(h.clause.as_ref().map(ClauseId::as_str), Some("p2"));
                assert_eq!(h.document, ids.draft);
            }
            HitKind::Minutes => {
                assert_eq!(h.clause, None);
                assert_eq!(h.document, ids.minutes);
                assert_eq!(h.label, "Minutes");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    // Sub-items are labelled with their full number; action items and titles are found too.
    let hits = p.store().search("Multi-Annual Indicative", 10).unwrap();
    let clause = hits.iter().find(|h| h.kind == HitKind::Clause).unwrap();
    assert_eq!(clause.label, "3.a");
    let action = hits.iter().find(|h| h.kind == HitKind::Action).unwrap();
    assert_eq!(action.action.as_ref().map(ActionId::as_str), Some("a4"));
    assert_eq!(action.document, ids.meeting);
    let hits = p.store().search("Liaison Officer", 10).unwrap();
    assert!(hits.iter().any(|h| h.kind == HitKind::Meeting), "{hits:?}");
    assert!(
        hits.iter().any(|h| h.kind == HitKind::DraftTitle),
        "{hits:?}"
    );
}

#[tokio::test]
async fn typed_fts_syntax_never_fails_a_search() {
    let dir = tempfile::tempdir().unwrap();
    let (p, _ids, _demo) = indexed_demo(dir.path()).await;
    for q in [
        "\"",
        "AND",
        "OR NOT",
        "NEAR(",
        "*",
        "-x",
        "title:urge",
        ")",
        "a\"b",
        "",
        "   ",
        "^",
        "{x}",
        "'",
    ] {
        p.store()
            .search(q, 10)
            .unwrap_or_else(|e| panic!("{q:?}: {e}"));
    }
    // Operators are plain words: "and" finds texts that contain "and".
    assert!(!p.store().search("AND", 10).unwrap().is_empty());
}

#[tokio::test]
async fn overdue_means_open_and_due_strictly_before_the_day() {
    let dir = tempfile::tempdir().unwrap();
    let (p, ids, mut demo) = indexed_demo(dir.path()).await;
    let overdue = |day| {
        action_ids(
            &p.store()
                .actions(&ActionFilter {
                    overdue_on: Some(day),
                    ..Default::default()
                })
                .unwrap(),
        )
    };
    // Due dates in the demo: a1, a5 on 2015-02-27; a7 on 2015-03-31; a8 on 2015-04-30.
    assert!(
        overdue(date(2015, 2, 27)).is_empty(),
        "due today is not overdue"
    );
    assert_eq!(overdue(date(2015, 2, 28)), ["a1", "a5"]);
    assert_eq!(overdue(date(2015, 4, 1)), ["a1", "a5", "a7"]);
    assert_eq!(overdue(date(2016, 1, 1)), ["a1", "a5", "a7", "a8"]);
    // Done or cancelled items are never overdue.
    change(&mut demo.meeting, &ctx(), |tx| {
        action::set_status(tx, &ActionId::new("a1")?, ActionStatus::Done)?;
        action::set_status(tx, &ActionId::new("a7")?, ActionStatus::Cancelled)
    })
    .unwrap();
    p.store()
        .index_meeting(ids.meeting.clone(), meeting::read(&demo.meeting).unwrap())
        .await
        .unwrap();
    assert_eq!(overdue(date(2016, 1, 1)), ["a5", "a8"]);
}

#[tokio::test]
async fn actions_filter_by_owner_status_and_meeting_across_meetings() {
    let dir = tempfile::tempdir().unwrap();
    let (p, ids, _demo) = indexed_demo(dir.path()).await;
    let (other_ids, mut other) = second_meeting();
    change(&mut other.meeting, &ctx(), |tx| {
        action::set_status(tx, &ActionId::new("a3")?, ActionStatus::Done)
    })
    .unwrap();
    p.store()
        .rebuild_index(
            views(&ids, &demo::build(&ids, &ctx()).unwrap())
                .into_iter()
                .chain(views(&other_ids, &other)),
        )
        .await
        .unwrap();

    let store = p.store();
    let all = store.actions(&ActionFilter::default()).unwrap();
    assert_eq!(all.len(), 18);
    // Sorted by due date, undated last.
    let dues: Vec<_> = all.iter().map(|r| r.action.due).collect();
    let dated = dues.iter().take_while(|d| d.is_some()).count();
    assert_eq!(dated, 8);
    assert!(dues[..dated].windows(2).all(|w| w[0] <= w[1]));

    let ts = store
        .actions(&ActionFilter {
            owner: Some(demo::ts()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(ts.len(), 8, "a2, a3, a4, a7 in both meetings");
    assert!(ts.iter().all(|r| r.action.owners.contains(&demo::ts())));
    let iom = store
        .actions(&ActionFilter {
            owner: Some(demo::iom()),
            ..Default::default()
        })
        .unwrap();
    // Undated items follow their meeting's date, then the order they were created in.
    assert_eq!(action_ids(&iom), ["a2", "a9", "a2", "a9"]);
    assert_eq!(iom[0].meeting, ids.meeting);
    let mexico = store
        .actions(&ActionFilter {
            owner: Some(pid("mexico")),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(mexico.len(), 8);
    assert_eq!(
        mexico[0].action.owners.len(),
        11,
        "all owners of an item come back"
    );

    let done = store
        .actions(&ActionFilter {
            status: Some(ActionStatus::Done),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(action_ids(&done), ["a3"]);
    assert_eq!(done[0].meeting, other_ids.meeting);
    assert_eq!(
        done[0].meeting_title.as_deref(),
        Some("Extraordinary Meeting of the Network")
    );

    let ts_open_here = store
        .actions(&ActionFilter {
            owner: Some(demo::ts()),
            status: Some(ActionStatus::Open),
            meeting: Some(ids.meeting.clone()),
            overdue_on: None,
        })
        .unwrap();
    assert_eq!(action_ids(&ts_open_here), ["a7", "a2", "a3", "a4"]);
    let src = ts_open_here[0].action.source.as_ref().unwrap();
    assert_eq!(
        (src.draft.as_str(), src.clause.as_str()),
        (ids.draft.as_str(), "p4b")
    );
}

/// The second meeting: the demo with another title and a later date.
fn second_meeting() -> (DemoIds, Demo) {
    let ids = ids("xm");
    let mut d = demo::build(&ids, &ctx()).unwrap();
    change(&mut d.meeting, &ctx(), |tx| {
        let mut details = demo::details();
        details.title = "Extraordinary Meeting of the Network".into();
        details.start_date = Some(date(2015, 6, 1));
        details.end_date = Some(date(2015, 6, 2));
        meeting::set_details(tx, &details)
    })
    .unwrap();
    (ids, d)
}

fn second_meeting_views() -> (DemoIds, Vec<IndexDoc>) {
    let (ids, d) = second_meeting();
    let v = views(&ids, &d);
    (ids, v)
}

#[tokio::test]
async fn meeting_list_is_newest_first_with_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (p, ids, _demo) = indexed_demo(dir.path()).await;
    let (other_ids, other) = second_meeting_views();
    for d in other {
        p.store().index(d).await.unwrap();
    }
    let list = p.store().meetings().unwrap();
    assert_eq!(
        list.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        [other_ids.meeting, ids.meeting]
    );
    let m = &list[1];
    assert_eq!(m.forum, "Regional Conference on Migration (RCM)");
    assert_eq!(m.venue, "Managua, Nicaragua");
    assert_eq!(m.start_date, Some(date(2014, 11, 24)));
    assert_eq!(m.kind, accord_model::MeetingKind::Regular);
    assert_eq!(m.languages, ["en", "es"]);
    assert_eq!((m.parties, m.documents, m.open_actions), (15, 2, 9));
}

#[tokio::test]
async fn removing_a_document_removes_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (p, ids, _demo) = indexed_demo(dir.path()).await;
    assert!(
        !p.store()
            .search("Palermo", 10)
            .unwrap()
            .iter()
            .all(|h| h.kind != HitKind::Minutes)
    );
    p.store().remove_from_index(&ids.minutes).await.unwrap();
    assert!(
        p.store()
            .search("Palermo", 10)
            .unwrap()
            .iter()
            .all(|h| h.kind != HitKind::Minutes)
    );
    p.store().remove_from_index(&ids.meeting).await.unwrap();
    assert!(p.store().meetings().unwrap().is_empty());
    assert!(
        p.store()
            .actions(&ActionFilter::default())
            .unwrap()
            .is_empty()
    );
    assert!(
        !p.store().search("Palermo", 10).unwrap().is_empty(),
        "the draft is still indexed"
    );
}

/// Every row of every index table, as text, in a stable order.
fn dump(dir: &std::path::Path) -> Vec<String> {
    let conn = rusqlite::Connection::open_with_flags(
        dir.join(accord_store::DATABASE_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let mut out = Vec::new();
    for (table, cols) in [
        ("idx_meetings", "*"),
        ("idx_documents", "*"),
        ("idx_actions", "*"),
        ("idx_action_owners", "*"),
        ("idx_text", "source, meeting, doc, kind, item, label, body"),
    ] {
        let mut st = conn
            .prepare(&format!("SELECT {cols} FROM {table}"))
            .unwrap();
        let n = st.column_count();
        let mut rows: Vec<String> = st
            .query_map([], |r| {
                let cells: Vec<String> = (0..n)
                    .map(|i| match r.get_ref(i).unwrap() {
                        rusqlite::types::ValueRef::Null => "NULL".into(),
                        rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                        rusqlite::types::ValueRef::Text(t) => {
                            String::from_utf8_lossy(t).into_owned()
                        }
                        other => format!("{other:?}"),
                    })
                    .collect();
                Ok(format!("{table}: {}", cells.join(" | ")))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        rows.sort();
        out.extend(rows);
    }
    out
}

#[tokio::test]
async fn rebuild_gives_the_same_index_as_incremental_updates() {
    let inc_dir = tempfile::tempdir().unwrap();
    let (inc, ids, mut demo) = indexed_demo(inc_dir.path()).await;
    let (other_ids, other) = second_meeting_views();
    for d in other.clone() {
        inc.store().index(d).await.unwrap();
    }
    // A session of edits, each followed by re-indexing the document it touched.
    let p5 = ClauseId::new("p5").unwrap();
    let p8 = ClauseId::new("p8").unwrap();
    change(&mut demo.draft, &ctx(), |tx| {
        draft::insert_clause(
            tx,
            &p8,
            &Placement::Start { parent: None },
            "Welcome the delegation of Perú.",
            &[pid("peru")],
        )
    })
    .unwrap();
    inc.store()
        .index_draft(ids.draft.clone(), draft::read(&demo.draft).unwrap());
    change(&mut demo.draft, &ctx(), |tx| {
        draft::set_status(tx, &p5, accord_model::ClauseStatus::Agreed)
    })
    .unwrap();
    inc.store()
        .index_draft(ids.draft.clone(), draft::read(&demo.draft).unwrap());
    change(&mut demo.minutes, &ctx(), |tx| {
        minutes::append(tx, "## Closing\nThe TS closed the meeting.")
    })
    .unwrap();
    inc.store()
        .index_minutes(ids.minutes.clone(), minutes::read(&demo.minutes).unwrap());
    change(&mut demo.meeting, &ctx(), |tx| {
        action::set_status(tx, &ActionId::new("a5")?, ActionStatus::Done)
    })
    .unwrap();
    inc.store()
        .index_meeting(ids.meeting.clone(), meeting::read(&demo.meeting).unwrap());
    inc.store().remove_from_index(&other_ids.minutes);
    inc.store().flush().await.unwrap();

    let full_dir = tempfile::tempdir().unwrap();
    let full = open(full_dir.path());
    let mut all = views(&ids, &demo);
    all.extend(other.into_iter().filter(|d| d.id() != &other_ids.minutes));
    all.reverse(); // order must not matter
    full.store().rebuild_index(all).await.unwrap();

    let (a, b) = (dump(inc_dir.path()), dump(full_dir.path()));
    assert!(a.len() > 60, "the index has rows: {}", a.len());
    assert_eq!(a, b);
    for q in [
        "peru",
        "closing",
        "san jose",
        "matrices",
        "Technical Secretariat",
    ] {
        assert_eq!(
            inc.store().search(q, 50).unwrap(),
            full.store().search(q, 50).unwrap(),
            "{q}"
        );
    }
    assert_eq!(
        inc.store().meetings().unwrap(),
        full.store().meetings().unwrap()
    );
    assert_eq!(
        inc.store().actions(&ActionFilter::default()).unwrap(),
        full.store().actions(&ActionFilter::default()).unwrap()
    );
    // The renumbering from the insert reached the labels: p1 is now clause 2.
    let hits = inc.store().search("sharing their progress", 5).unwrap();
    let label = |draft: &DocId| {
        hits.iter()
            .find(|h| &h.document == draft)
            .map(|h| h.label.clone())
    };
    assert_eq!(label(&ids.draft).as_deref(), Some("2"), "{hits:?}");
    assert_eq!(
        label(&other_ids.draft).as_deref(),
        Some("1"),
        "the other draft is unchanged"
    );
}

#[tokio::test]
async fn a_new_index_format_drops_the_index_and_asks_for_a_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let ids = ids("rcm");
    let demo = demo::build(&ids, &ctx()).unwrap();
    {
        let p = open(dir.path());
        assert!(
            !p.store().index_needs_rebuild(),
            "a new, empty profile has a complete index"
        );
        let key = samod::storage::StorageKey::from_parts(["d", "incremental", "h"]).unwrap();
        p.store().put_durable(&key, b"x".to_vec());
        for d in views(&ids, &demo) {
            p.store().index(d);
        }
        p.close().unwrap();
    }
    // What an older build would have left: another index format.
    {
        let conn =
            rusqlite::Connection::open(dir.path().join(accord_store::DATABASE_FILE)).unwrap();
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'index_format'", [])
            .unwrap();
        conn.execute(
            "INSERT INTO idx_documents VALUES ('stale', 'stale', 'draft', 'stale')",
            [],
        )
        .unwrap();
    }
    let p = open(dir.path());
    assert!(p.store().index_needs_rebuild());
    assert!(
        p.store().meetings().unwrap().is_empty(),
        "the old index is gone"
    );
    p.store().rebuild_index(views(&ids, &demo)).await.unwrap();
    assert!(!p.store().index_needs_rebuild());
    assert_eq!(p.store().meetings().unwrap().len(), 1);
    p.close().unwrap();
    let p = open(dir.path());
    assert!(
        !p.store().index_needs_rebuild(),
        "a finished rebuild is remembered"
    );
    assert_eq!(p.store().meetings().unwrap().len(), 1);
    let key = samod::storage::StorageKey::from_parts(["d", "incremental", "h"]).unwrap();
    assert!(
        samod::storage::Storage::load(&p.store().samod_storage(), key)
            .await
            .is_some(),
        "documents are untouched"
    );
}
