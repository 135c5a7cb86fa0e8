//! The commands through Tauri's IPC, on the mock runtime, against a real profile in a
//! temporary directory: what the webview sends (camelCase keys, snake_case values) and what
//! it gets back (results, or `{code, message}`).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use accord::{NetMode, OpenOptions, Workspace};
use accord_desktop::{Accord, NetStart, dto::DocEvent, run_app};
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, Channel, InvokeBody, InvokeResponseBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

/// How long a test waits for the index (it settles in well under a second).
const WAIT: Duration = Duration::from_secs(10);

struct Harness {
    app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    dir: tempfile::TempDir,
}

impl Harness {
    /// A profile without networking.
    fn new() -> Harness {
        Harness::with_net(NetMode::Off)
    }

    fn with_net(mode: NetMode) -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        let ws = tauri::async_runtime::block_on(Workspace::open_with(
            dir.path().join("profile"),
            OpenOptions::default().with_net(mode),
        ))
        .expect("open profile");
        let offline_setting = ws.settings().offline;
        let state = Accord::new(ws)
            .with_net(NetStart {
                mode,
                offline_setting,
                error: None,
            })
            .with_export_dir(dir.path().join("exports"));
        let app = run_app(mock_builder().manage(state))
            .build(mock_context(noop_assets()))
            .expect("app");
        let window = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("window");
        Harness { app, window, dir }
    }

    /// Invokes a command as the webview would; `Err` is the rejection value.
    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.window, request)
            .map(|body| body.deserialize::<Value>().expect("json result"))
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args.clone())
            .unwrap_or_else(|e| panic!("{cmd} {args} failed: {e}"))
    }

    fn err(&self, cmd: &str, args: Value) -> Value {
        match self.call(cmd, args.clone()) {
            Ok(v) => panic!("{cmd} {args} should have failed, gave {v}"),
            Err(e) => e,
        }
    }

    fn state(&self) -> tauri::State<'_, Accord> {
        self.app.state::<Accord>()
    }

    /// Waits until the query index has every change so far (lists and search read it).
    fn settle(&self) {
        let ws = self.state().ws.clone();
        tauri::async_runtime::block_on(async {
            tokio::time::timeout(WAIT, ws.index_settled()).await
        })
        .expect("index settles in time")
        .expect("index settles");
    }

    fn meeting(&self, title: &str) -> String {
        let id = self.ok("create_meeting", json!({ "details": details(title) }));
        id.as_str().expect("meeting id is a string").to_string()
    }

    fn draft(&self, meeting: &str) -> String {
        let id = self.ok(
            "create_draft",
            json!({ "meetingId": meeting, "title": "Declaration of Managua" }),
        );
        id.as_str().expect("draft id").to_string()
    }

    fn clause(&self, draft: &str, placement: Value, text: &str) -> String {
        let id = self.ok(
            "insert_clause",
            json!({ "draftId": draft, "placement": placement, "text": text }),
        );
        id.as_str().expect("clause id").to_string()
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let ws = self.state().ws.clone();
        let _ = tauri::async_runtime::block_on(ws.close());
    }
}

fn details(title: &str) -> Value {
    json!({
        "title": title, "forum": "Regional Conference on Migration", "body": "Liaison Officer Network",
        "kind": "regular", "venue": "Managua, Nicaragua", "start_date": "2014-11-20", "end_date": "2014-11-21",
        "time_zone": "America/Managua", "languages": ["en", "es"], "addressee": ""
    })
}

fn top_end() -> Value {
    json!({ "at": "end", "parent": null })
}

#[test]
fn create_meeting_shows_in_the_list_and_opens_with_its_minutes() {
    let h = Harness::new();
    let id = h.meeting("Meeting of the Liaison Officer Network");
    let full = h.ok("get_meeting", json!({ "id": id }));
    assert_eq!(full["id"], json!(id));
    assert_eq!(
        full["view"]["details"]["title"],
        "Meeting of the Liaison Officer Network"
    );
    assert_eq!(full["view"]["details"]["start_date"], "2014-11-20");
    let minutes = full["minutes"].as_str().expect("a new meeting has minutes");
    assert_eq!(
        h.ok("get_minutes", json!({ "docId": minutes })),
        json!({ "meeting": id, "text": "" })
    );
    assert_eq!(full["drafts"], json!([]));

    h.settle();
    let list = h.ok("list_meetings", json!({}));
    assert_eq!(
        list,
        json!([{ "id": id, "title": "Meeting of the Liaison Officer Network", "forum": "Regional Conference on Migration",
                 "venue": "Managua, Nicaragua", "start_date": "2014-11-20", "end_date": "2014-11-21" }])
    );
}

#[test]
fn clauses_insert_indent_and_splice_in_utf16_units() {
    let h = Harness::new();
    let m = h.meeting("M");
    let d = h.draft(&m);
    let first = h.clause(
        &d,
        top_end(),
        "Urge the Member Countries to share information.",
    );
    let second = h.clause(
        &d,
        json!({ "at": "after", "clause": first }),
        "Request the TS to circulate the report.",
    );
    h.ok("indent_clause", json!({ "draftId": d, "clauseId": second }));
    // "😀" is two UTF-16 code units: the splice after it lands after it.
    h.ok("splice", json!({ "docId": d, "target": { "field": "clause", "id": second }, "splice": { "pos": 0, "del": 0, "insert": "😀" } }));
    h.ok("splice", json!({ "docId": d, "target": { "field": "clause", "id": second }, "splice": { "pos": 2, "del": 0, "insert": " " } }));

    let view = h.ok("get_draft", json!({ "draftId": d, "clean": false }));
    let clauses = view["clauses"].as_array().expect("clauses");
    assert_eq!(
        clauses.len(),
        1,
        "the second clause became a sub-item: {view}"
    );
    assert_eq!(clauses[0]["number"], json!({ "ordinal": 1, "depth": 0 }));
    let sub = &clauses[0]["children"][0];
    assert_eq!(sub["id"], json!(second));
    assert_eq!(sub["number"], json!({ "ordinal": 1, "depth": 1 }));
    assert_eq!(sub["text"], "😀 Request the TS to circulate the report.");

    // An impossible indent is refused with the API's code and message.
    let e = h.err("indent_clause", json!({ "draftId": d, "clauseId": first }));
    assert!(
        e["code"].is_string()
            && e["message"]
                .as_str()
                .is_some_and(|m| m.contains("previous sibling")),
        "{e}"
    );
}

#[test]
fn agreed_status_on_bracketed_text_is_refused_with_the_api_error_code() {
    let h = Harness::new();
    let m = h.meeting("M");
    let d = h.draft(&m);
    let c = h.clause(&d, top_end(), "Urge [all] parties to cooperate.");
    let e = h.err(
        "set_clause_status",
        json!({ "draftId": d, "clauseId": c, "status": "agreed" }),
    );

    // The code is exactly the API's for the same refusal.
    let state = h.state();
    let api = tauri::async_runtime::block_on(state.ws.set_clause_status(
        &d.parse().expect("doc id"),
        &c.parse().expect("clause id"),
        accord::model::ClauseStatus::Agreed,
    ))
    .expect_err("the API refuses too");
    assert_eq!(e, json!({ "code": api.code(), "message": api.to_string() }));
    assert!(
        e["message"].as_str().expect("message").contains("brackets"),
        "{e}"
    );

    h.ok(
        "set_clause_status",
        json!({ "draftId": d, "clauseId": c, "status": "bracketed" }),
    );
    let view = h.ok("get_draft", json!({ "draftId": d }));
    assert_eq!(view["clauses"][0]["status"], "bracketed");
}

#[test]
fn clean_view_leaves_deleted_clauses_out() {
    let h = Harness::new();
    let d = h.draft(&h.meeting("M"));
    let a = h.clause(&d, top_end(), "First.");
    h.clause(&d, top_end(), "Second.");
    h.ok(
        "set_clause_status",
        json!({ "draftId": d, "clauseId": a, "status": "deleted" }),
    );
    assert_eq!(
        h.ok("get_draft", json!({ "draftId": d, "clean": false }))["clauses"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let clean = h.ok("get_draft", json!({ "draftId": d, "clean": true }));
    assert_eq!(clean["clauses"].as_array().map(Vec::len), Some(1));
    assert_eq!(clean["clauses"][0]["number"]["ordinal"], 1);
}

#[test]
fn search_finds_a_clause_with_marked_words() {
    let h = Harness::new();
    let m = h.meeting("Meeting of the Liaison Officer Network");
    let d = h.draft(&m);
    let c = h.clause(
        &d,
        top_end(),
        "Urge the Member Countries to exchange information on migrant smuggling.",
    );
    h.settle();
    let hits = h.ok("search", json!({ "query": "smuggling" }));
    let hit = hits
        .as_array()
        .and_then(|h| h.first())
        .unwrap_or_else(|| panic!("no hit: {hits}"));
    assert_eq!(hit["kind"], "draft");
    assert_eq!(hit["document"], json!(d));
    assert_eq!(hit["meeting"], json!(m));
    assert_eq!(
        hit["meeting_title"],
        "Meeting of the Liaison Officer Network"
    );
    assert_eq!(hit["clause"], json!(c));
    assert!(
        hit["snippet"]
            .as_str()
            .expect("snippet")
            .contains("\u{1}smuggling\u{2}"),
        "{hit}"
    );
    assert_eq!(
        h.ok("search", json!({ "query": "nothing-like-this" })),
        json!([])
    );
}

#[test]
fn action_items_are_added_listed_and_updated() {
    let h = Harness::new();
    let m = h.meeting("M");
    h.ok("put_party", json!({ "meetingId": m, "party": { "id": "mexico", "name": "Mexico", "kind": "member", "short_name": null } }));
    let a = h.ok("add_action", json!({ "meetingId": m, "action": { "text": "Send the contact list", "owners": ["mexico"], "due": "2015-02-27", "source": null } }));
    h.ok(
        "set_action_status",
        json!({ "meetingId": m, "actionId": a, "status": "done" }),
    );
    h.ok(
        "set_action_due",
        json!({ "meetingId": m, "actionId": a, "due": null }),
    );
    h.settle();
    let rows = h.ok("list_actions", json!({ "filter": { "meeting": m } }));
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");
    let row = &rows[0];
    assert_eq!(
        (&row["id"], &row["text"], &row["status"], &row["due"]),
        (
            &a,
            &json!("Send the contact list"),
            &json!("done"),
            &Value::Null
        )
    );
    assert_eq!(
        (&row["meeting"], &row["meeting_title"], &row["owners"]),
        (&json!(m), &json!("M"), &json!(["mexico"]))
    );
    assert_eq!(
        h.ok("list_actions", json!({ "filter": { "status": "open" } })),
        json!([])
    );
}

#[test]
fn unknown_documents_and_bad_ids_reject_with_code_and_message() {
    let h = Harness::new();
    let e = h.err(
        "get_draft",
        json!({ "draftId": "2oQNbQ5mYKG4eYsvcLqCPjL3i7nq", "clean": false }),
    );
    assert_eq!(e["code"], "not_found", "{e}");
    assert!(e["message"].is_string());
}

#[test]
fn settings_patch_sets_and_clears_the_language() {
    let h = Harness::new();
    let p = h.ok("profile", json!({}));
    assert_eq!(p["device_id"].as_str().map(str::len), Some(64), "{p}");
    assert_eq!(p["language"], Value::Null);
    let p = h.ok(
        "set_settings",
        json!({ "settings": { "language": "es", "device_name": "Laptop MX" } }),
    );
    assert_eq!(
        (&p["language"], &p["device_name"]),
        (&json!("es"), &json!("Laptop MX"))
    );
    let p = h.ok("set_settings", json!({ "settings": { "language": null } }));
    assert_eq!(
        (&p["language"], &p["device_name"]),
        (&Value::Null, &json!("Laptop MX")),
        "null clears, absent keeps"
    );
    let e = h.err("set_settings", json!({ "settings": { "language": "fr" } }));
    assert_eq!(e["code"], "invalid", "{e}");
}

#[test]
fn subscribe_over_ipc_returns_an_id_that_unsubscribes() {
    let h = Harness::new();
    let d = h.draft(&h.meeting("M"));
    let id = h.ok(
        "subscribe",
        json!({ "docId": d, "onEvent": "__CHANNEL__:7" }),
    );
    assert!(id.as_u64().is_some(), "{id}");
    assert_eq!(h.state().subs.len(), 1);
    h.ok("unsubscribe", json!({ "id": id }));
    assert!(h.state().subs.is_empty());
    let e = h.err(
        "subscribe",
        json!({ "docId": "2oQNbQ5mYKG4eYsvcLqCPjL3i7nq", "onEvent": "__CHANNEL__:8" }),
    );
    assert_eq!(e["code"], "not_found", "{e}");
}

#[test]
fn a_subscription_forwards_its_documents_patches_and_nothing_else() {
    let h = Harness::new();
    let m = h.meeting("M");
    let d = h.draft(&m);
    let other = h.draft(&m);
    let c = h.clause(&d, top_end(), "Text.");
    let got: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = got.clone();
    let channel: Channel<DocEvent> = Channel::new(move |body| {
        if let InvokeResponseBody::Json(s) = body {
            sink.lock()
                .expect("sink")
                .push(serde_json::from_str(&s).expect("json event"));
        }
        Ok(())
    });
    let state = h.state();
    let sub = tauri::async_runtime::block_on(state.subs.subscribe(
        &state.ws,
        d.parse().expect("id"),
        channel,
    ))
    .expect("subscribe");

    h.clause(&other, top_end(), "Elsewhere.");
    h.ok("splice", json!({ "docId": d, "target": { "field": "clause", "id": c }, "splice": { "pos": 5, "del": 0, "insert": "!" } }));
    let deadline = Instant::now() + WAIT;
    while got.lock().expect("got").is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(100)); // anything else would have arrived by now
    let mut events = got.lock().expect("got").clone();
    let version = events[0]["version"].as_u64().expect("a version");
    events[0]["version"] = json!(0);
    assert_eq!(
        events,
        vec![json!({ "kind": "patches", "origin": "local", "patches": [
            { "type": "splice", "target": { "field": "clause", "id": c }, "index": 5, "delete": 0, "insert": "!" }
        ], "version": 0, "tag": null })]
    );

    // An editor's edit: made against that version, tagged; refused against an older one.
    let stale = h.ok(
        "edit_text",
        json!({ "docId": d, "target": { "field": "clause", "id": c },
        "splices": [{ "pos": 0, "del": 0, "insert": "?" }], "base": version - 1, "tag": 3 }),
    );
    assert_eq!(stale, json!({ "outcome": "stale", "version": version }));
    let made = h.ok(
        "edit_text",
        json!({ "docId": d, "target": { "field": "clause", "id": c },
        "splices": [{ "pos": 0, "del": 0, "insert": "¿" }], "base": version, "tag": 3 }),
    );
    assert_eq!(made["outcome"], json!("made"));
    let deadline = Instant::now() + WAIT;
    while got.lock().expect("got").len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let second = got.lock().expect("got")[1].clone();
    assert_eq!(second["tag"], json!(3));
    assert!(second["version"].as_u64().expect("a version") > version);
    assert_eq!(made["version"], second["version"]);

    state.subs.unsubscribe(sub);
    h.ok("splice", json!({ "docId": d, "target": { "field": "clause", "id": c }, "splice": { "pos": 0, "del": 0, "insert": "A" } }));
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        got.lock().expect("got").len(),
        2,
        "nothing after unsubscribe"
    );
}

#[test]
fn ipc_error_is_exactly_code_and_message() {
    let e = accord_desktop::IpcError::new("not_found", "no document x in this profile");
    assert_eq!(
        serde_json::to_value(&e).expect("serialise"),
        json!({ "code": "not_found", "message": "no document x in this profile" })
    );
}

#[test]
fn presence_takes_the_ui_shape_and_checks_the_meeting() {
    let h = Harness::new();
    let m = h.meeting("M");
    let d = h.draft(&m);
    let c = h.clause(&d, top_end(), "Text.");
    let presence = json!({ "doc": d, "clause": c, "cursor": { "anchor": 2, "head": 4 } });
    assert_eq!(
        h.ok(
            "set_presence",
            json!({ "meetingId": m, "presence": presence })
        ),
        Value::Null
    );
    let e = h.err(
        "set_presence",
        json!({ "meetingId": d, "presence": { "doc": null, "clause": null, "cursor": null } }),
    );
    assert_eq!(e["code"], "wrong_kind", "a draft is not a meeting: {e}");
}

#[test]
fn without_the_network_sharing_is_refused_as_offline_and_the_roster_has_this_device() {
    let h = Harness::new();
    let m = h.meeting("M");
    let e = h.err(
        "invite",
        json!({ "meetingId": m, "party": "mexico", "role": "member", "expiresHours": 24 }),
    );
    assert_eq!(e["code"], "offline", "{e}");
    assert_eq!(
        h.err("join", json!({ "ticket": "anything" }))["code"],
        "offline"
    );
    assert_eq!(
        h.ok("sync_state", json!({})),
        json!({ "mode": "offline", "peers_online": 0, "addr": null, "net": "off",
                "restart_needed": false, "error": null })
    );
    // The founder is on the roster as admin, and counts as online (it is this device).
    let peers = h.ok("peers", json!({ "meetingId": m }));
    let me = h.ok("profile", json!({}))["device_id"].clone();
    assert_eq!(peers.as_array().map(Vec::len), Some(1), "{peers}");
    assert_eq!(
        (
            &peers[0]["device"],
            &peers[0]["role"],
            &peers[0]["is_self"],
            &peers[0]["online"]
        ),
        (&me, &json!("admin"), &json!(true), &json!(true))
    );
}

#[test]
fn bad_roles_and_devices_are_refused_with_code_and_message() {
    let h = Harness::with_net(NetMode::Loopback);
    let m = h.meeting("M");
    let e = h.err(
        "invite",
        json!({ "meetingId": m, "party": "mexico", "role": "chair", "expiresHours": 1 }),
    );
    assert!(
        e["code"].is_string() && e["message"].as_str().is_some_and(|m| m.contains("role")),
        "{e}"
    );
    let e = h.err(
        "revoke",
        json!({ "meetingId": m, "device": "not-a-device" }),
    );
    assert!(
        e["message"]
            .as_str()
            .is_some_and(|m| m.contains("64 hex digits")),
        "{e}"
    );
}

#[test]
fn invite_then_join_over_loopback_puts_both_devices_on_the_roster() {
    let a = Harness::with_net(NetMode::Loopback);
    let b = Harness::with_net(NetMode::Loopback);
    let m = a.meeting("Meeting of the Liaison Officer Network");
    let inv = a.ok(
        "invite",
        json!({ "meetingId": m, "party": "mexico", "role": "member", "expiresHours": 2 }),
    );
    let ticket = inv["ticket"].as_str().expect("ticket");
    assert!(
        inv["qr_svg"].as_str().is_some_and(|q| q.contains("<svg")),
        "{inv}"
    );
    assert_eq!(
        (&inv["party"], &inv["role"]),
        (&json!("mexico"), &json!("member"))
    );

    assert_eq!(b.ok("join", json!({ "ticket": ticket })), json!(m));
    let full = b.ok("get_meeting", json!({ "id": m }));
    assert_eq!(
        full["view"]["details"]["title"],
        "Meeting of the Liaison Officer Network"
    );
    // The ticket is one-time.
    let again = Harness::with_net(NetMode::Loopback);
    assert_eq!(
        again.err("join", json!({ "ticket": ticket }))["code"],
        "join_refused"
    );

    let b_id = b.ok("profile", json!({}))["device_id"].clone();
    let deadline = Instant::now() + WAIT;
    let peers = loop {
        let peers = a.ok("peers", json!({ "meetingId": m }));
        let online = peers
            .as_array()
            .expect("peers")
            .iter()
            .filter(|p| p["online"] == json!(true))
            .count();
        if online == 2 || Instant::now() > deadline {
            break peers;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let b_row = peers
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["device"] == b_id))
        .unwrap_or_else(|| panic!("B is on A's roster: {peers}"));
    assert_eq!(
        (
            &b_row["party"],
            &b_row["role"],
            &b_row["online"],
            &b_row["is_self"]
        ),
        (
            &json!("mexico"),
            &json!("member"),
            &json!(true),
            &json!(false)
        )
    );
    let state = a.ok("sync_state", json!({}));
    assert_eq!(
        (&state["mode"], &state["net"]),
        (&json!("lan"), &json!("loopback")),
        "{state}"
    );
    assert!(state["peers_online"].as_u64() >= Some(1), "{state}");

    let revoked = a.ok("revoke", json!({ "meetingId": m, "device": b_id }));
    assert_eq!(revoked["device"], b_id);
    assert!(
        revoked["message"]
            .as_str()
            .is_some_and(|m| m.contains("revoked")),
        "{revoked}"
    );
    let peers = a.ok("peers", json!({ "meetingId": m }));
    let b_row = peers
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["device"] == b_id))
        .cloned();
    assert_eq!(
        b_row.map(|r| r["revoked"].clone()),
        Some(json!(true)),
        "{peers}"
    );
}

#[test]
fn export_saves_the_report_without_overwriting_and_returns_its_bytes() {
    let h = Harness::new();
    let m = h.meeting("M");
    let d = h.draft(&m);
    h.clause(
        &d,
        top_end(),
        "Urge the Member Countries to [share] information.",
    );
    let args = json!({ "meetingId": m, "draftId": d, "format": "markdown", "mode": "working" });
    let first = h.ok("export_report", args.clone());
    assert!(
        first["mime"]
            .as_str()
            .is_some_and(|m| m.starts_with("text/markdown")),
        "{first}"
    );
    let path = std::path::PathBuf::from(first["path"].as_str().expect("path"));
    assert_eq!(path.parent(), Some(h.dir.path().join("exports").as_path()));
    assert_eq!(
        path.file_name().and_then(|n| n.to_str()),
        first["file_name"].as_str()
    );
    let bytes: Vec<u8> = serde_json::from_value(first["bytes"].clone()).expect("bytes");
    assert_eq!(std::fs::read(&path).expect("saved file"), bytes);
    let text = String::from_utf8(bytes).expect("markdown is UTF-8");
    assert!(
        text.contains("[share]"),
        "the working text keeps brackets: {text}"
    );

    let second = h.ok("export_report", args);
    assert_ne!(second["path"], first["path"], "never over an existing file");
    assert!(std::path::Path::new(second["path"].as_str().expect("path")).is_file());

    let docx = h.ok(
        "export_report",
        json!({ "meetingId": m, "draftId": d, "format": "docx", "mode": "clean" }),
    );
    assert!(
        docx["file_name"]
            .as_str()
            .is_some_and(|n| n.ends_with(".docx")),
        "{docx}"
    );
    assert_eq!(
        (&docx["bytes"][0], &docx["bytes"][1]),
        (&json!(80), &json!(75)),
        "a DOCX is a zip: PK"
    );

    let e = h.err(
        "export_report",
        json!({ "meetingId": m, "draftId": d, "format": "pdf", "mode": "clean" }),
    );
    assert_eq!(e["code"], "invalid", "{e}");
}

#[test]
fn import_of_a_small_markdown_report_creates_a_draft_with_its_clauses() {
    let h = Harness::new();
    let m = h.meeting("M");
    let text = "# Declaration of Managua\n\n\
                1. Urge the Member Countries to exchange information.\n\
                2. Request the Technical Secretariat to circulate the report.\n";
    let out = h.ok(
        "import_report",
        json!({ "meetingId": m, "bytes": text.as_bytes(), "fileName": "declaration.md" }),
    );
    assert_eq!(out["clauses"], 2, "{out}");
    assert!(
        out["warnings"].is_array() && out["actions_suggested"].is_u64(),
        "{out}"
    );
    let draft = h.ok(
        "get_draft",
        json!({ "draftId": out["draft"], "clean": false }),
    );
    let texts: Vec<&str> = draft["clauses"]
        .as_array()
        .expect("clauses")
        .iter()
        .filter_map(|c| c["text"].as_str())
        .collect();
    assert_eq!(
        texts,
        [
            "Urge the Member Countries to exchange information.",
            "Request the Technical Secretariat to circulate the report."
        ]
    );
    let meeting = h.ok("get_meeting", json!({ "id": m }));
    assert!(
        meeting["drafts"]
            .as_array()
            .is_some_and(|ds| ds.iter().any(|d| d["id"] == out["draft"])),
        "the draft belongs to the meeting: {meeting}"
    );
}

#[test]
fn an_unnamed_device_is_called_by_the_host_name() {
    let h = Harness::new();
    let p = h.ok("profile", json!({}));
    assert_eq!(
        p["device_name"],
        json!(accord_desktop::dto::hostname().unwrap_or_default())
    );
    let p = h.ok(
        "set_settings",
        json!({ "settings": { "device_name": "Laptop MX" } }),
    );
    assert_eq!(p["device_name"], "Laptop MX");
}

#[test]
fn accord_net_picks_the_network_mode_and_refuses_unknown_ones() {
    use accord_desktop::parse_net_mode;
    assert_eq!(parse_net_mode(None).ok(), Some(NetMode::Online));
    assert_eq!(parse_net_mode(Some("")).ok(), Some(NetMode::Online));
    assert_eq!(
        parse_net_mode(Some("loopback")).ok(),
        Some(NetMode::Loopback)
    );
    assert_eq!(parse_net_mode(Some("lan")).ok(), Some(NetMode::Lan));
    assert_eq!(parse_net_mode(Some("off")).ok(), Some(NetMode::Off));
    let e = parse_net_mode(Some("wifi")).expect_err("unknown mode");
    assert!(e.message.contains("ACCORD_NET"), "{}", e.message);
}

#[test]
fn changing_the_offline_setting_of_an_online_start_asks_for_a_restart() {
    use accord_desktop::dto::SyncState;
    let api = accord::SyncState {
        mode: "online",
        peers_online: 0,
        peers_connected: 0,
        addr: None,
    };
    let start = |mode| NetStart {
        mode,
        offline_setting: false,
        error: None,
    };
    let offline = accord::Settings {
        offline: true,
        ..Default::default()
    };
    let of =
        |mode, s: &accord::Settings| SyncState::of(api.clone(), &start(mode), s).restart_needed;
    assert!(!of(NetMode::Online, &accord::Settings::default()));
    assert!(of(NetMode::Online, &offline));
    // Only the online mode reads the setting.
    assert!(!of(NetMode::Loopback, &offline));
    assert!(!of(NetMode::Lan, &offline));
}
