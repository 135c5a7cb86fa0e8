//! The real `accord` binary on temporary profiles: every command's happy path, the `--json`
//! shapes, exit codes, prefix ids, forwarding to a running `accord serve` through the local
//! socket, and `accord sync` between two serves on loopback.

use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const WAIT: Duration = Duration::from_secs(60);

struct Profile {
    dir: tempfile::TempDir,
}

impl Profile {
    fn new(party: &str) -> Profile {
        let p = Profile {
            dir: tempfile::tempdir().unwrap(),
        };
        p.ok(&[
            "init",
            "--party",
            party,
            "--device-name",
            &format!("{party} laptop"),
        ]);
        p
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_accord"));
        c.args(args)
            .env("ACCORD_DATA_DIR", self.dir.path())
            .env("ACCORD_NET", "loopback")
            .env_remove("ACCORD_LOG")
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("the accord binary runs")
    }

    /// Runs a command that must succeed; its standard output.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "accord {args:?} failed ({:?}): {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.push("--json");
        let out = self.ok(&a);
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("accord {args:?} printed no JSON ({e}): {out}"))
    }

    fn id(&self, args: &[&str]) -> String {
        let v = self.json(args);
        assert_eq!(
            v.as_object().map(|o| o.len()),
            Some(1),
            "{{\"id\": …}} only: {v}"
        );
        v["id"].as_str().expect("an id").to_string()
    }

    /// A running `accord serve` on this profile, stopped (SIGTERM) when dropped.
    fn serve(&self) -> Serve {
        let child = self
            .cmd(&["serve"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let sock = self.dir.path().join("accord.sock");
        wait_until("the serve's socket appears", || sock.exists());
        Serve(child)
    }
}

struct Serve(Child);

impl Serve {
    /// Stops it as Ctrl-C would; it must exit 0.
    fn stop(mut self) {
        terminate(&self.0);
        let status = wait_child(&mut self.0);
        assert!(status.success(), "accord serve exited with {status:?}");
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn terminate(child: &Child) {
    let st = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(st.success());
}

fn wait_child(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "the process did not stop in time"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn texts(draft: &Value) -> Vec<String> {
    fn walk(cs: &Value, out: &mut Vec<String>) {
        for c in cs.as_array().unwrap() {
            out.push(format!(
                "{} {}",
                c["number"].as_str().unwrap(),
                c["text"].as_str().unwrap()
            ));
            walk(&c["children"], out);
        }
    }
    let mut out = Vec::new();
    walk(&draft["clauses"], &mut out);
    out
}

#[test]
fn every_local_command_works_with_prefix_ids_and_json_shapes() {
    let ts = Profile::new("Technical Secretariat");
    let m = ts.id(&[
        "meeting",
        "create",
        "--title",
        "Liaison Network",
        "--forum",
        "RCM",
        "--venue",
        "Managua",
        "--date",
        "2025-03-01",
        "--party",
        "Mexico",
        "--party",
        "Costa Rica",
    ]);
    let list = ts.json(&["meeting", "list"]);
    assert_eq!(list[0]["id"], m.as_str());
    assert!(ts.ok(&["meeting", "list"]).contains("Liaison Network"));
    let mp = &m[..6];
    let shown = ts.json(&["meeting", "show", mp]);
    assert_eq!(shown["view"]["details"]["venue"], "Managua");
    assert_eq!(shown["roster"][0]["role"], "admin");

    let d = ts.id(&["draft", "create", "--meeting", mp, "--title", "Declaration"]);
    let dp = &d[..5];
    let c1 = ts.id(&["clause", "add", "--draft", dp, "Urge the parties."]);
    let c2 = ts.id(&["clause", "add", "--draft", dp, "Welcome the report."]);
    let sub = ts.id(&[
        "clause",
        "add",
        "--draft",
        dp,
        "--parent",
        "1",
        "Send the [data] by March.",
    ]);
    ts.id(&[
        "clause",
        "add",
        "--draft",
        dp,
        "--after",
        &c1[..4],
        "Between.",
    ]);
    ts.ok(&[
        "clause",
        "edit",
        "--draft",
        dp,
        "1.a",
        "--splice",
        "0:4:Submit",
    ]);
    ts.ok(&[
        "clause",
        "edit",
        "--draft",
        dp,
        &c2,
        "--text",
        "Welcome the report of the TS.",
    ]);
    ts.ok(&["clause", "status", "--draft", dp, &c1, "agreed"]);
    ts.ok(&["clause", "move", "--draft", dp, "2", "--after", "3"]);
    ts.ok(&["clause", "delete", "--draft", dp, &c2[..4]]);
    let draft = ts.json(&["draft", "show", dp]);
    assert_eq!(
        texts(&draft),
        vec![
            "1 Urge the parties.",
            "1.a Submit the [data] by March.",
            "2 Between."
        ]
    );
    assert_eq!(draft["clauses"][0]["status"], "agreed");
    assert_eq!(draft["clauses"][0]["children"][0]["id"], sub.as_str());
    assert!(
        ts.ok(&["draft", "show", &d])
            .contains("1.a. Submit the [data] by March.")
    );

    ts.ok(&[
        "minutes",
        "append",
        "--meeting",
        mp,
        "The meeting opened at 9:00.",
    ]);
    assert!(
        ts.ok(&["minutes", "show", "--meeting", mp])
            .contains("opened at 9:00")
    );

    let a = ts.id(&[
        "action",
        "add",
        "--meeting",
        mp,
        "Send the indicators",
        "--owner",
        "Mexico",
        "--due",
        "2020-02-27",
    ]);
    ts.id(&[
        "action",
        "add",
        "--meeting",
        mp,
        "Circulate Rev.1",
        "--owner",
        "costa rica",
        "--due",
        "2999-01-01",
    ]);
    let overdue = ts.json(&["action", "list", "--overdue"]);
    assert_eq!(overdue.as_array().unwrap().len(), 1, "{overdue}");
    assert_eq!(overdue[0]["id"], a.as_str());
    assert_eq!(overdue[0]["due"], "2020-02-27");
    assert_eq!(
        ts.json(&["action", "list", "--owner", "Costa Rica"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    ts.ok(&["action", "done", &a[..4]]);
    assert!(
        ts.json(&["action", "list", "--overdue"])
            .as_array()
            .unwrap()
            .is_empty()
    );

    let hits = ts.json(&["search", "indicators"]);
    assert!(!hits.as_array().unwrap().is_empty(), "{hits}");

    // Reports out and in.
    let md = ts.ok(&["export", "--meeting", mp, "--format", "md"]);
    assert!(md.contains("Urge the parties."), "{md}");
    let html = ts.ok(&[
        "export",
        "--meeting",
        mp,
        "--format",
        "html",
        "--mode",
        "working",
        "--draft",
        dp,
        "-o",
        "r.html",
    ]);
    assert!(html.contains("r.html"));
    assert!(
        std::fs::read_to_string(ts.dir.path().join("r.html"))
            .unwrap()
            .contains("<")
    );
    let docx = ts.json(&[
        "export",
        "--meeting",
        mp,
        "--format",
        "docx",
        "-o",
        "r.docx",
    ]);
    assert_eq!(
        docx["media_type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert!(
        std::fs::read(ts.dir.path().join("r.docx"))
            .unwrap()
            .starts_with(b"PK")
    );
    std::fs::write(
        ts.dir.path().join("in.md"),
        "# Agreements\n\n1. Urge Mexico to send the information to the TS no later than February 27th, 2015.\n2. Thank the IOM.\n",
    )
    .unwrap();
    let imp = ts.json(&["import", "--meeting", mp, "in.md", "--add-actions"]);
    assert_eq!(imp["clauses"].as_array().unwrap().len(), 2, "{imp}");
    assert_eq!(imp["clauses"][0]["number"], "1");
    let act = &imp["actions"][0];
    assert_eq!(act["owners"][0], "mexico", "{imp}");
    assert_eq!(act["due"], "2015-02-27", "{imp}");
    assert!(act["added"].is_string(), "{imp}");

    // A bundle of one's own meeting imports with nothing new.
    let b = ts.json(&["bundle", "export", "--meeting", mp, "-o", "m.bundle"]);
    assert_eq!(b["documents"], 4);
    let again = ts.json(&["bundle", "import", "m.bundle"]);
    assert_eq!(again["new_changes"], 0);

    // The demo meeting is created in the profile and printed.
    let demo = ts.ok(&["demo"]);
    assert!(demo.contains("Liaison Officer Network"));
    assert_eq!(ts.json(&["meeting", "list"]).as_array().unwrap().len(), 2);
}

#[test]
fn usage_errors_exit_2_and_failures_exit_1_with_one_line() {
    let p = Profile::new("Mexico");
    for args in [
        &["meeting", "frobnicate"][..],
        &["clause", "edit", "--draft", "x", "c"],
        &["--no-such-flag"],
        &[],
    ] {
        let out = p.run(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "accord {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let m = p.id(&["meeting", "create", "--title", "T"]);
    // Sparse: one byte over the import limit by its metadata; refused before it is read.
    std::fs::File::create(p.dir.path().join("huge.txt"))
        .unwrap()
        .set_len(accord::export::limits::MAX_INPUT_BYTES + 1)
        .unwrap();
    for (args, needle) in [
        (
            vec!["import", "--meeting", &m, "huge.txt"],
            "huge.txt is 67108865 bytes, over the limit of 64 MiB for a report to import",
        ),
        (vec!["meeting", "show", "zzzzzz"], "no meeting matches"),
        (vec!["meeting", "show", "ab"], "at least 4"),
        (
            vec!["meeting", "create", "--title", "T", "--date", "2025-13-40"],
            "not a date",
        ),
        (
            vec!["action", "add", "--meeting", &m, "x", "--owner", "Narnia"],
            "not a party",
        ),
        (vec!["bundle", "import", "/nonexistent/file"], "cannot read"),
        (vec!["sync", "--timeout", "soon"], "not a duration"),
    ] {
        let out = p.run(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "accord {args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.trim_end().lines().count() == 1,
            "one line: {err}"
        );
        assert!(err.contains(needle), "accord {args:?}: {err}");
    }
    // A damaged bundle: refused with a clear error.
    std::fs::write(p.dir.path().join("bad.bundle"), b"ACCORDB\0\x01\x00").unwrap();
    let out = p.run(&["bundle", "import", "bad.bundle"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("truncated"), "{err}");
    // The error names the file (it named an empty `bundle ""`).
    let named = format!(
        "bundle {:?}",
        p.dir.path().join("bad.bundle").display().to_string()
    );
    assert!(err.contains(&named) && !err.contains("\"\""), "{err}");
}

#[test]
fn commands_beside_a_running_serve_are_carried_out_by_it() {
    let ts = Profile::new("Technical Secretariat");
    let serve = ts.serve();
    let sock = ts.dir.path().join("accord.sock");
    assert_eq!(
        std::fs::metadata(&sock).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // Every kind of command goes through the socket, with the same output as alone.
    let m = ts.id(&[
        "meeting", "create", "--title", "Served", "--party", "Mexico",
    ]);
    let d = ts.id(&["draft", "create", "--meeting", &m[..6], "--title", "Decl"]);
    ts.id(&["clause", "add", "--draft", &d[..6], "Through the socket."]);
    assert_eq!(
        texts(&ts.json(&["draft", "show", &d])),
        vec!["1 Through the socket."]
    );
    // An administrator invites on the live server: the ticket names its address, no note.
    let inv = ts.run(&["invite", "--meeting", &m, "--party", "Mexico", "--json"]);
    assert!(
        inv.status.success(),
        "{}",
        String::from_utf8_lossy(&inv.stderr)
    );
    let v: Value = serde_json::from_slice(&inv.stdout).unwrap();
    assert!(v["ticket"].as_str().unwrap().starts_with("accord1"), "{v}");
    assert!(
        inv.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&inv.stderr)
    );
    let out = ts.run(&["bundle", "export", "--meeting", &m, "-o", "served.bundle"]);
    assert!(out.status.success());
    assert!(
        ts.dir.path().join("served.bundle").exists(),
        "relative paths are the caller's"
    );
    // Errors come back as one line and exit 1; `serve` twice is refused.
    let out = ts.run(&["meeting", "show", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no meeting matches"));
    let out = ts.run(&["serve"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already served"));

    serve.stop();
    assert!(!sock.exists(), "the socket is removed on a clean stop");
    // Alone again, the same profile still has everything.
    assert_eq!(
        texts(&ts.json(&["draft", "show", &d])),
        vec!["1 Through the socket."]
    );

    // A process that holds the profile without serving it: "profile in use".
    let mut holder = ts
        .cmd(&["invite", "--meeting", &m, "--party", "Mexico", "--wait"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = [0u8; 7];
    std::io::Read::read_exact(holder.stdout.as_mut().unwrap(), &mut first).unwrap();
    assert_eq!(&first, b"accord1");
    let out = ts.run(&["meeting", "list"]);
    terminate(&holder);
    wait_child(&mut holder);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("in use") && err.contains("does not answer"),
        "{err}"
    );
}

#[test]
fn sync_converges_two_serves_on_loopback() {
    let ts = Profile::new("Technical Secretariat");
    let mx = Profile::new("Mexico");
    let (s1, s2) = (ts.serve(), mx.serve());
    let m = ts.id(&[
        "meeting",
        "create",
        "--title",
        "Two hosts",
        "--party",
        "Mexico",
    ]);
    let d = ts.id(&["draft", "create", "--meeting", &m, "--title", "Decl"]);
    ts.id(&["clause", "add", "--draft", &d, "From the TS."]);
    let ticket = ts.json(&["invite", "--meeting", &m, "--party", "Mexico"])["ticket"]
        .as_str()
        .unwrap()
        .to_string();
    let joined = mx.json(&["join", &ticket]);
    assert_eq!(joined["meeting"], m.as_str());
    wait_until("the draft reaches Mexico", || {
        mx.run(&["draft", "show", &d]).status.success()
    });
    mx.id(&["clause", "add", "--draft", &d, "From Mexico."]);
    ts.id(&["clause", "add", "--draft", &d, "More from the TS."]);
    let out = ts.json(&["sync", "--timeout", "40s"]);
    assert_eq!(out["in_sync"], true, "{out}");
    mx.ok(&["sync", "--timeout", "40s"]);
    let a = ts.json(&["draft", "show", &d]);
    let b = mx.json(&["draft", "show", &d]);
    assert_eq!(a["clauses"], b["clauses"]);
    assert_eq!(texts(&a).len(), 3, "{a}");
    let status = ts.json(&["status"]);
    let peers = status["meetings"][0]["peers"].as_array().unwrap();
    assert!(
        peers
            .iter()
            .any(|p| p["party"] == "Mexico" && p["up_to_date"] == true),
        "{status}"
    );
    s1.stop();
    s2.stop();
}

/// The device of `party` on the roster `meeting show --json` prints.
fn device_of(roster_holder: &Profile, meeting: &str, party: &str) -> String {
    let shown = roster_holder.json(&["meeting", "show", meeting]);
    shown["roster"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["party"] == party)
        .unwrap_or_else(|| panic!("{party} is not on the roster: {shown}"))["device"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `host` (serving) invites `guest` for `party` with `role`; `guest` joins.
fn join(host: &Profile, guest: &Profile, meeting: &str, party: &str, role: &str) {
    let ticket = host.json(&[
        "invite",
        "--meeting",
        meeting,
        "--party",
        party,
        "--role",
        role,
    ])["ticket"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(guest.json(&["join", &ticket])["meeting"], meeting);
}

/// Issue #24: `sync --timeout 10s` with a roster device offline failed, naming nobody.
#[test]
fn sync_with_a_roster_peer_offline_names_it_and_fails_only_when_none_is_reachable() {
    let ts = Profile::new("Technical Secretariat");
    let mx = Profile::new("Mexico");
    let ca = Profile::new("Canada");
    let (s_ts, s_mx, s_ca) = (ts.serve(), mx.serve(), ca.serve());
    let m = ts.id(&[
        "meeting", "create", "--title", "Three", "--party", "Mexico", "--party", "Canada",
    ]);
    join(&ts, &mx, &m, "Mexico", "member");
    join(&ts, &ca, &m, "Canada", "member");
    let (mx_id, ca_id) = (device_of(&ts, &m, "Mexico"), device_of(&ts, &m, "Canada"));
    // Canada goes away; the TS syncs in a process of its own, with a short timeout.
    s_ca.stop();
    s_ts.stop();
    let out = ts.run(&["sync", "--timeout", "10s", "--json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["in_sync"], true, "{v}");
    assert_eq!(v["peers"], serde_json::json!([mx_id]), "{v}");
    assert_eq!(v["unreachable"], serde_json::json!([ca_id]), "{v}");
    assert!(err.contains("not reachable now: Canada"), "{err}");

    // Nobody reachable: exit 1, naming every device.
    s_mx.stop();
    let out = ts.run(&["sync", "--timeout", "3s"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("could be reached within 3s")
            && err.contains("Mexico")
            && err.contains("Canada"),
        "{err}"
    );
}

#[test]
fn an_observers_edit_is_refused_with_exit_1_and_changes_nothing() {
    let ts = Profile::new("Technical Secretariat");
    let iom = Profile::new("IOM");
    let serve = ts.serve();
    let m = ts.id(&["meeting", "create", "--title", "Observed", "--party", "IOM"]);
    let d = ts.id(&["draft", "create", "--meeting", &m, "--title", "Decl"]);
    ts.id(&["clause", "add", "--draft", &d, "From the TS."]);
    join(&ts, &iom, &m, "IOM", "observer");
    serve.stop();
    wait_until("the draft reaches the observer", || {
        iom.run(&["draft", "show", &d]).status.success()
    });
    let before = texts(&iom.json(&["draft", "show", &d]));
    let out = iom.run(&["clause", "add", "--draft", &d, "From the IOM."]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("this device is an observer in \"Observed\"")
            && err.contains("it can read but not edit"),
        "{err}"
    );
    assert_eq!(texts(&iom.json(&["draft", "show", &d])), before);
    // What it founds itself, it edits.
    let own = iom.id(&["meeting", "create", "--title", "Own"]);
    iom.ok(&["minutes", "append", "--meeting", &own, "Notes of the IOM."]);
}

#[test]
fn an_admin_records_named_versions_and_lists_them_a_member_may_not() {
    let ts = Profile::new("Technical Secretariat");
    let mx = Profile::new("Mexico");
    let serve = ts.serve();
    let m = ts.id(&[
        "meeting",
        "create",
        "--title",
        "Versioned",
        "--party",
        "Mexico",
    ]);
    let d = ts.id(&["draft", "create", "--meeting", &m, "--title", "Decl"]);
    ts.id(&["clause", "add", "--draft", &d, "Urge the parties."]);
    join(&ts, &mx, &m, "Mexico", "member");
    let made = ts.json(&[
        "version",
        "create",
        "--meeting",
        &m,
        "Rev.1",
        "--note",
        "after day one",
    ]);
    assert_eq!(made["name"], "Rev.1");
    assert_eq!(made["party"], "Technical Secretariat");
    assert_eq!(made["pending"], false);
    serve.stop();
    let list = ts.json(&["version", "list", "--meeting", &m]);
    let list = list.as_array().expect("a list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["note"], "after day one");
    assert!(
        ts.ok(&["version", "list", "--meeting", &m])
            .contains("Rev.1")
    );
    // A member is refused, and nothing is recorded.
    let out = mx.run(&["version", "create", "--meeting", &m, "Rev.2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an admin"));
    assert!(
        !mx.ok(&["version", "list", "--meeting", &m])
            .contains("Rev.2")
    );
}
