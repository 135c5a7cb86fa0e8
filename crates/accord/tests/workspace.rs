//! The Workspace end to end on a real profile: a real SQLite file, samod, the index.

use std::time::Duration;

use accord::model::{
    ClauseStatus, DocPatch, MeetingDetails, NewAction, Party, PartyKind, Placement, Splice,
    TextField,
};
use accord::store::ActionFilter;
use accord::{Event, Origin, Workspace};

/// The pieces a document is stored in, read from the closed profile's database.
fn stored_pieces(dir: &std::path::Path, doc: &accord::model::DocId) -> (u64, u64) {
    let p = accord::store::Profile::open(dir).unwrap();
    let got = p.store().document_bytes(doc.as_str()).unwrap();
    p.close().unwrap();
    got
}

/// A meeting titled "M", with no parties.
async fn new_meeting(ws: &Workspace) -> accord::model::DocId {
    ws.create_meeting(&MeetingDetails::titled("M"), &[])
        .await
        .unwrap()
}

async fn open(dir: &std::path::Path) -> Workspace {
    tokio::time::timeout(Duration::from_secs(30), Workspace::open(dir))
        .await
        .expect("open in time")
        .expect("open")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_meeting_appears_in_the_list_with_its_minutes() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open(dir.path()).await;
    let mut d = MeetingDetails::titled("Working Group on Labour Migration");
    d.venue = "San José, Costa Rica".into();
    let parties = [Party::new("Costa Rica", PartyKind::Member).unwrap()];
    let id = ws.create_meeting(&d, &parties).await.unwrap();
    ws.index_settled().await.unwrap();
    let list = ws.meetings().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].id.clone(), list[0].title.as_str()),
        (id.clone(), "Working Group on Labour Migration")
    );
    let full = ws.meeting_full(&id).await.unwrap();
    assert!(full.minutes.is_some());
    assert_eq!(full.view.parties.len(), 1);
    ws.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_survive_closing_and_reopening_the_profile() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open(dir.path()).await;
    let meeting = new_meeting(&ws).await;
    let draft = ws.create_draft(&meeting, "Declaration", "").await.unwrap();
    let c1 = ws
        .insert_clause(&draft, &Placement::top_end(), "Urge")
        .await
        .unwrap();
    let c2 = ws
        .insert_clause(&draft, &Placement::end_of(&c1), "the parties")
        .await
        .unwrap();
    ws.splice(
        &draft,
        &TextField::Clause(c1.clone()),
        &Splice::insert(4, " 😀 all"),
    )
    .await
    .unwrap();
    ws.set_clause_status(&draft, &c2, ClauseStatus::Agreed)
        .await
        .unwrap();
    ws.append_minutes(&meeting, "The TS opened the meeting.")
        .await
        .unwrap();
    ws.close().await.unwrap();

    let ws = open(dir.path()).await;
    let v = ws.draft(&draft).await.unwrap();
    assert_eq!(v.to_plain_text(), "1. Urge 😀 all\n    a. the parties\n");
    assert_eq!(v.find(&c2).unwrap().status, ClauseStatus::Agreed);
    let minutes = ws.minutes_of(&meeting).await.unwrap();
    assert_eq!(
        ws.minutes(&minutes).await.unwrap().text,
        "The TS opened the meeting.\n"
    );
    ws.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_word_typed_a_moment_ago_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open(dir.path()).await;
    let meeting = ws.create_demo().await.unwrap();
    let full = ws.meeting_full(&meeting).await.unwrap();
    let draft = full.drafts[0].id.clone();
    let c = ws
        .insert_clause(&draft, &Placement::top_end(), "Welcome the delegation of ")
        .await
        .unwrap();
    for (i, ch) in "Perú".chars().enumerate() {
        ws.splice(
            &draft,
            &TextField::Clause(c.clone()),
            &Splice::insert(26 + i, ch.to_string()),
        )
        .await
        .unwrap();
    }
    ws.index_settled().await.unwrap();
    let hits = ws.search("peru", 10).await.unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].clause, Some(c));
    assert_eq!(hits[0].meeting, meeting);
    assert_eq!(hits[0].label, "6");
    ws.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_meeting_has_its_overdue_actions_in_the_tracker() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open(dir.path()).await;
    let meeting = ws.create_demo().await.unwrap();
    ws.index_settled().await.unwrap();
    let today = jiff::civil::date(2015, 3, 1);
    let overdue = ws
        .actions(&ActionFilter {
            overdue_on: Some(today),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(overdue.len(), 2, "{overdue:#?}");
    let mexico = accord::model::PartyId::new("mexico").unwrap();
    let new = NewAction {
        text: "Host the next meeting".into(),
        owners: vec![mexico.clone()],
        due: None,
        source: None,
    };
    ws.add_action(&meeting, &new).await.unwrap();
    ws.index_settled().await.unwrap();
    let mine = ws
        .actions(&ActionFilter {
            owner: Some(mexico),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(mine.len(), 5, "four from the report and the new one");
    ws.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_changes_are_reported_with_their_patches() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open(dir.path()).await;
    let meeting = new_meeting(&ws).await;
    let draft = ws.create_draft(&meeting, "D", "").await.unwrap();
    let c = ws
        .insert_clause(&draft, &Placement::top_end(), "ab")
        .await
        .unwrap();
    let mut events = ws.subscribe();
    ws.splice(
        &draft,
        &TextField::Clause(c.clone()),
        &Splice::new(1, 1, "ñ"),
    )
    .await
    .unwrap();
    let ev = next_doc_event(&mut events).await;
    let Event::DocChanged {
        doc,
        origin,
        patches,
        ..
    } = ev
    else {
        unreachable!()
    };
    assert_eq!((doc, origin), (draft, Origin::Local));
    assert_eq!(
        patches,
        vec![DocPatch::Splice {
            target: TextField::Clause(c),
            index: 1,
            delete: 1,
            insert: "ñ".into()
        }]
    );
    ws.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_workspace_on_the_same_profile_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open(dir.path()).await;
    let err = Workspace::open(dir.path()).await.unwrap_err();
    assert_eq!(err.code(), "profile_in_use", "{err}");
    assert!(err.to_string().contains("in use"), "{err}");
    ws.close().await.unwrap();
    // Closed: it can be opened again.
    open(dir.path()).await.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_index_is_rebuilt_from_the_documents() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open(dir.path()).await;
    let meeting = ws.create_demo().await.unwrap();
    ws.index_settled().await.unwrap();
    ws.close().await.unwrap();
    // Throw the index away as a format change would.
    let db = rusqlite::Connection::open(dir.path().join("accord.sqlite3")).unwrap();
    db.execute_batch("UPDATE meta SET value = '0' WHERE key = 'index_format'")
        .unwrap();
    drop(db);
    let ws = open(dir.path()).await;
    let list = ws.meetings().await.unwrap();
    assert_eq!(
        list.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        vec![meeting]
    );
    assert!(!ws.search("Palermo", 5).await.unwrap().is_empty());
    ws.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_keystrokes_are_stored_in_chunks_not_one_piece_each() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open(dir.path()).await;
    let meeting = new_meeting(&ws).await;
    let minutes = ws.minutes_of(&meeting).await.unwrap();
    let n = 1000;
    for i in 0..n {
        ws.splice(&minutes, &TextField::Minutes, &Splice::insert(i, "x"))
            .await
            .unwrap();
    }
    ws.flush().await.unwrap();
    let (_, pieces) = ws.stored_size(&minutes).unwrap();
    assert!(pieces < 300, "{n} keystrokes are stored in {pieces} pieces");
    let store = ws.dir().to_path_buf();
    ws.close().await.unwrap();
    let (_, pieces) = stored_pieces(&store, &minutes);
    // Closing stored the document as one piece: the next load is `Automerge::load`'s, and
    // samod finds nothing to compact (it would delete each piece in a step of its own).
    assert_eq!(
        pieces, 1,
        "after closing, {n} keystrokes are in {pieces} pieces"
    );
    let ws = open(dir.path()).await;
    assert_eq!(ws.minutes(&minutes).await.unwrap().text, "x".repeat(n));
    ws.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documents_worked_on_last_are_loaded_ahead_at_the_next_open() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open(dir.path()).await;
    let meeting = new_meeting(&ws).await;
    let mut drafts = Vec::new();
    for i in 0..10 {
        drafts.push(
            ws.create_draft(&meeting, &format!("D{i}"), "")
                .await
                .unwrap(),
        );
    }
    // Typed into the first; the user is in the second.
    ws.splice(
        &drafts[0],
        &TextField::Title,
        &Splice::insert(2, ", revised"),
    )
    .await
    .unwrap();
    ws.set_presence(
        &meeting,
        accord::Presence {
            doc: Some(drafts[1].clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    ws.close().await.unwrap();

    // Eight at most: the one the user was in, then the latest written (the meeting, which
    // lists its drafts, among them).
    let expected: Vec<_> = [1, 0, 9, 8, 7].map(|i| drafts[i].clone()).into();
    for session in 0..2 {
        let ws = open(dir.path()).await;
        tokio::time::timeout(Duration::from_secs(30), async {
            while !expected.iter().all(|d| ws.open_documents().contains(d)) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .unwrap_or_else(|_| {
            panic!(
                "session {session}: not loaded ahead: {:?}",
                ws.open_documents()
            )
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        let loaded = ws.open_documents();
        assert!(
            loaded.len() <= 8 && !loaded.contains(&drafts[2]) && !loaded.contains(&drafts[3]),
            "session {session}: loaded more than the recent ones: {loaded:?}"
        );
        // Nothing is worked on in the first reopening: the record carries over.
        ws.close().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_survive_many_sessions_that_change_nothing() {
    // Each open has samod compact the document it loads (more than ten changes) and delete
    // the piece it loaded once its own is written; each close rests the document. Neither
    // may delete what the other wrote.
    let dir = tempfile::tempdir().unwrap();
    let ws = open(dir.path()).await;
    let meeting = new_meeting(&ws).await;
    let draft = ws.create_draft(&meeting, "D", "").await.unwrap();
    for i in 0..20 {
        ws.insert_clause(&draft, &Placement::top_end(), &format!("c{i}"))
            .await
            .unwrap();
    }
    ws.close().await.unwrap();
    for session in 0..8 {
        let ws = open(dir.path()).await;
        let v = ws
            .draft(&draft)
            .await
            .unwrap_or_else(|e| panic!("session {session}: {e}"));
        assert_eq!(v.clauses.len(), 20, "session {session}");
        if session % 2 == 1 {
            // Give samod's compaction time to finish before closing, in some sessions.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        ws.close().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_follows_the_field_and_stops_at_a_clause_deleted_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open(dir.path()).await;
    let meeting = new_meeting(&ws).await;
    let draft = ws.create_draft(&meeting, "D", "").await.unwrap();
    let a = ws
        .insert_clause(&draft, &Placement::top_end(), "")
        .await
        .unwrap();
    let b = ws
        .insert_clause(&draft, &Placement::top_end(), "")
        .await
        .unwrap();
    // Keystrokes into one clause, then the other, then back: each lands where it was aimed
    // (the text found for a run of keystrokes is not reused for another field).
    let (ta, tb) = (TextField::Clause(a.clone()), TextField::Clause(b.clone()));
    for (field, pos, s) in [(&ta, 0, "Urge"), (&tb, 0, "Note"), (&ta, 4, "s")] {
        ws.splice(&draft, field, &Splice::insert(pos, s))
            .await
            .unwrap();
    }
    let view = ws.draft(&draft).await.unwrap();
    assert_eq!(view.find(&a).unwrap().text, "Urges");
    assert_eq!(view.find(&b).unwrap().text, "Note");
    // Deleted by another edit between two keystrokes: the next keystroke is refused, as
    // it would be without the run of keystrokes before it.
    ws.delete_clause(&draft, &a).await.unwrap();
    let err = ws
        .splice(&draft, &ta, &Splice::insert(5, "!"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains(a.as_str()), "{err}");
    // A splice past the end is refused and leaves the text as it was.
    assert!(
        ws.splice(&draft, &tb, &Splice::delete(2, 10))
            .await
            .is_err()
    );
    assert_eq!(
        ws.draft(&draft).await.unwrap().find(&b).unwrap().text,
        "Note"
    );
    ws.close().await.unwrap();
}

/// The next document event, skipping the others.
async fn next_doc_event(events: &mut tokio::sync::broadcast::Receiver<Event>) -> Event {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), events.recv())
            .await
            .expect("an event in time")
            .unwrap()
        {
            e @ Event::DocChanged { .. } => return e,
            _ => continue,
        }
    }
}

fn version_and_tag(e: &Event) -> (u64, Option<u64>) {
    match e {
        Event::DocChanged { version, tag, .. } => (*version, *tag),
        _ => unreachable!(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editors_edit_made_before_the_documents_last_event_is_refused_as_stale() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open(dir.path()).await;
    let meeting = new_meeting(&ws).await;
    let draft = ws.create_draft(&meeting, "D", "").await.unwrap();
    let c = ws
        .insert_clause(&draft, &Placement::top_end(), "ab")
        .await
        .unwrap();
    let field = TextField::Clause(c.clone());
    let text = || async {
        ws.draft(&draft)
            .await
            .unwrap()
            .find(&c)
            .unwrap()
            .text
            .clone()
    };
    let mut events = ws.subscribe();
    ws.splice(&draft, &field, &Splice::insert(2, "c"))
        .await
        .unwrap();
    let (v1, tag) = version_and_tag(&next_doc_event(&mut events).await);
    assert_eq!(tag, None);
    ws.splice(&draft, &field, &Splice::insert(0, "X"))
        .await
        .unwrap();
    let (v2, _) = version_and_tag(&next_doc_event(&mut events).await);
    assert!(v2 > v1, "versions increase: {v1} then {v2}");

    // Made against the state after the first event: "abc", not "Xabc". Refused.
    let edit = [Splice::insert(3, "d"), Splice::delete(0, 1)];
    let got = ws
        .edit_text(&draft, &field, &edit, Some(v1), Some(7))
        .await
        .unwrap();
    assert_eq!(got, accord::TextEdit::Stale { version: v2 });
    assert_eq!(text().await, "Xabc", "a stale edit changes nothing");

    // Against the latest event: made as one change, in order, its event tagged.
    let edit = [Splice::insert(4, "d"), Splice::delete(0, 1)];
    let got = ws
        .edit_text(&draft, &field, &edit, Some(v2), Some(7))
        .await
        .unwrap();
    let (v3, tag) = version_and_tag(&next_doc_event(&mut events).await);
    assert_eq!(got, accord::TextEdit::Made { version: Some(v3) });
    assert!(v3 > v2);
    assert_eq!(tag, Some(7));
    assert_eq!(text().await, "abcd");

    // An event of another text of the document also makes an older base stale.
    ws.set_clause_status(&draft, &c, ClauseStatus::Agreed)
        .await
        .unwrap();
    let (v4, _) = version_and_tag(&next_doc_event(&mut events).await);
    let got = ws
        .edit_text(&draft, &field, &[Splice::insert(0, "!")], Some(v3), None)
        .await
        .unwrap();
    assert_eq!(got, accord::TextEdit::Stale { version: v4 });
    ws.close().await.unwrap();
}
