//! Carrying out one command on an open [`Workspace`], whether in this process or, through the
//! local socket, in a running peer. The result is text (or JSON) to print, never printed here,
//! so the two ways give the same output.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use accord::Workspace;
use accord::export::RenderOptions;
use accord::model::{
    ActionStatus, ClauseStatus, DocId, DraftView, MeetingDetails, NewAction, Party, PartyId,
    PartyKind, Placement, Role, Splice, TextField,
    jiff::{Zoned, civil::Date},
};
use accord::store::ActionFilter;
use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::cli::{
    ActionCmd, BundleCmd, ClauseCmd, Command, DraftCmd, FormatArg, MeetingCmd, MinutesCmd, ModeArg,
    RoleArg, VersionCmd,
};
use crate::{ids, show};

/// One command as it travels to whoever carries it out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    pub command: Command,
    pub json: bool,
    /// The caller's working directory: relative paths are resolved against it.
    pub cwd: PathBuf,
}

/// What a command prints.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    pub stdout: String,
    /// Notes for a person (never data).
    pub stderr: String,
}

impl Output {
    pub(crate) fn text(s: impl Into<String>) -> Self {
        Output {
            stdout: s.into(),
            stderr: String::new(),
        }
    }
    pub(crate) fn json(v: Value) -> Self {
        Output {
            stdout: format!("{v}\n"),
            stderr: String::new(),
        }
    }
    pub(crate) fn either(json: bool, v: Value, text: impl FnOnce() -> String) -> Self {
        if json {
            Self::json(v)
        } else {
            Self::text(text())
        }
    }
    pub(crate) fn note(mut self, s: impl AsRef<str>) -> Self {
        self.stderr.push_str(s.as_ref());
        self.stderr.push('\n');
        self
    }
}

/// Where a command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// In its own process, which exits after it.
    Alone,
    /// Inside a long-running peer (`accord serve`, the app), already connected.
    Peer,
}

/// Carries out a command. `serve` is not one of them (it is the caller's loop).
pub async fn run(ws: &Workspace, req: &Request, host: Host) -> Result<Output> {
    let json = req.json;
    let path = |p: &Path| {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            req.cwd.join(p)
        }
    };
    Ok(match &req.command {
        Command::Init { party, device_name } => {
            let s = ws.set_settings(accord::SettingsPatch {
                party: Some(party.clone()),
                device_name: device_name.clone(),
                ..Default::default()
            })?;
            let v = json!({ "device": ws.device().to_string(), "party": s.party, "device_name": s.device_name, "dir": ws.dir() });
            Output::either(json, v, || {
                format!(
                    "device {} of {} ({})\nprofile {}\n",
                    ws.device(),
                    s.party.as_deref().unwrap_or("?"),
                    s.device_name.as_deref().unwrap_or("no name"),
                    ws.dir().display()
                )
            })
        }
        Command::Demo => {
            let id = ws.create_demo().await?;
            let meeting = ws.meeting(&id).await?;
            let draft_id = meeting
                .drafts()
                .next()
                .cloned()
                .ok_or_else(|| anyhow!("the demo meeting has no draft"))?;
            let draft = ws.draft(&draft_id).await?;
            let v = json!({ "id": id, "meeting": meeting, "draft": draft });
            Output::either(json, v, || {
                format!(
                    "{}\nMeeting id: {id}\n",
                    show::meeting_text(&meeting, &draft, today())
                )
            })
        }
        Command::Meeting(c) => meeting(ws, c, json).await?,
        Command::Draft(c) => draft(ws, c, json).await?,
        Command::Clause(c) => clause(ws, c, json).await?,
        Command::Minutes(c) => minutes(ws, c, json).await?,
        Command::Action(c) => action(ws, c, json).await?,
        Command::Search { query, limit } => {
            let hits = ws.search(query, *limit).await?;
            let v: Vec<Value> = hits
                .iter()
                .map(|h| {
                    json!({
                        "meeting": h.meeting, "meeting_title": h.meeting_title, "document": h.document,
                        "kind": h.kind.as_str(), "clause": h.clause, "action": h.action, "label": h.label,
                        "snippet": h.snippet.text, "marked": h.snippet.marked("[", "]"),
                    })
                })
                .collect();
            Output::either(json, Value::Array(v), || {
                let mut out = String::new();
                for h in &hits {
                    let _ = writeln!(
                        out,
                        "{} — {}",
                        h.label,
                        h.meeting_title.as_deref().unwrap_or("?")
                    );
                    let _ = writeln!(out, "    {}", h.snippet.marked("[", "]"));
                }
                if hits.is_empty() {
                    out.push_str("no matches\n");
                }
                out
            })
        }
        Command::Invite {
            meeting,
            party,
            role,
            expires,
            wait,
        } => {
            let m = ids::meeting(ws, meeting).await?;
            let valid = crate::duration::parse(expires)?;
            let role = match role {
                RoleArg::Member => Role::Member,
                RoleArg::Observer => Role::Observer,
                RoleArg::Admin => Role::Admin,
            };
            let inv = ws.invite(&m, party, role, valid).await?;
            let out = Output::either(json, json!({ "ticket": inv.ticket }), || {
                format!("{}\n", inv.ticket)
            });
            if host == Host::Alone && !wait {
                out.note(
                    "note: no `accord serve` (or app) is running on this profile, so nobody can be admitted once this \
                     command exits. The ticket works while this device runs `accord serve` or the app; or make it with \
                     `accord invite --wait`, which stays up until it is used.",
                )
            } else {
                out
            }
        }
        Command::Join { ticket } => {
            let m = ws.join(ticket).await?;
            let title = ws
                .meeting(&m)
                .await
                .map(|v| v.details.title)
                .unwrap_or_default();
            crate::net::open_all(ws).await;
            Output::either(json, json!({ "meeting": m, "title": title }), || {
                format!("joined meeting {title:?} ({m})\n")
            })
        }
        Command::Revoke { meeting, device } => {
            let m = ids::meeting(ws, meeting).await?;
            let roster = ws.roster(&m).await?;
            let d = ids::device(&roster, device)?;
            let r = ws.revoke(&m, &d).await?;
            Output::either(json, serde_json::to_value(&r)?, || {
                format!("{}\n", r.message)
            })
        }
        Command::Version(VersionCmd::Create {
            meeting,
            name,
            note,
        }) => {
            let m = ids::meeting(ws, meeting).await?;
            let v = ws.create_version(&m, name, note).await?;
            Output::either(json, serde_json::to_value(&v)?, || {
                format!("version {:?} of meeting {m} recorded\n", v.version.name)
            })
        }
        Command::Version(VersionCmd::List { meeting }) => {
            let m = ids::meeting(ws, meeting).await?;
            let versions = ws.versions(&m).await?;
            Output::either(json, serde_json::to_value(&versions)?, || {
                if versions.is_empty() {
                    return "no versions yet\n".to_string();
                }
                let mut out = String::new();
                for v in &versions {
                    let _ = writeln!(
                        out,
                        "{}  {}  by {}{}{}{}",
                        v.version.name,
                        v.version.at,
                        v.party.as_deref().unwrap_or("?"),
                        if v.version.note.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", v.version.note)
                        },
                        if v.version.duplicate_name {
                            "  (another version has this name)"
                        } else {
                            ""
                        },
                        if v.pending {
                            "  (pending: not all its changes have arrived)"
                        } else {
                            ""
                        },
                    );
                }
                out
            })
        }
        Command::Restore { meeting, device } => {
            let m = ids::meeting(ws, meeting).await?;
            let roster = ws.roster(&m).await?;
            let d = ids::device(&roster, device)?;
            ws.restore(&m, &d).await?;
            let msg = format!("device {} is no longer revoked", d.short());
            Output::either(
                json,
                serde_json::json!({ "device": d, "message": msg }),
                || format!("{msg}\n"),
            )
        }
        Command::Held { meeting, accept } => {
            let m = ids::meeting(ws, meeting).await?;
            if let Some(device) = accept {
                let roster = ws.roster(&m).await?;
                let d = ids::device(&roster, device)?;
                let n = ws.accept_held(&m, &d).await?;
                let msg = format!("{n} held changes of device {} taken in", d.short());
                Output::either(
                    json,
                    serde_json::json!({ "accepted": n, "message": msg }),
                    || format!("{msg}\n"),
                )
            } else {
                let held = ws.held(&m);
                Output::either(json, serde_json::to_value(&held)?, || {
                    if held.is_empty() {
                        return "no changes are held\n".to_string();
                    }
                    let mut out = String::new();
                    for h in &held {
                        let who = h
                            .device
                            .map(|d| format!("device {}", d.short()))
                            .unwrap_or_else(|| "others, built on them".into());
                        let _ = writeln!(out, "{} changes of {who} held in {}", h.changes, h.doc);
                    }
                    out
                })
            }
        }
        Command::Serve => {
            bail!("this profile is already served by a running `accord serve` (or the app)")
        }
        Command::Sync { timeout } => {
            crate::net::sync(ws, crate::duration::parse(timeout)?, host, json).await?
        }
        Command::Status => crate::net::status(ws, host, json).await?,
        Command::Bundle(BundleCmd::Export { meeting, output }) => {
            let m = ids::meeting(ws, meeting).await?;
            let bytes = ws.export_bundle(&m).await?;
            let docs = accord::bundle::Bundle::decode(&bytes)
                .map(|b| b.documents.len())
                .unwrap_or(0);
            let file = path(output);
            write_file(&file, &bytes)?;
            let v = json!({ "file": file, "bytes": bytes.len(), "documents": docs, "meeting": m });
            Output::either(json, v, || {
                format!(
                    "wrote {} ({} documents, {} bytes)\n",
                    file.display(),
                    docs,
                    bytes.len()
                )
            })
        }
        Command::Bundle(BundleCmd::Import { file }) => {
            let file = path(file);
            let r = ws.import_bundle_file(&file).await?;
            Output::either(json, serde_json::to_value(&r)?, || {
                let mut out = format!(
                    "bundle of meeting {} from {} ({}, device {}): {} new changes\n",
                    r.meeting,
                    r.signer_name,
                    r.signer_party,
                    r.signer.short(),
                    r.new_changes
                );
                for d in &r.documents {
                    let _ = writeln!(
                        out,
                        "  {} {}: {} new{}",
                        d.kind,
                        d.id,
                        d.new_changes,
                        if d.created { " (new document)" } else { "" }
                    );
                }
                if r.refused > 0 {
                    let _ = writeln!(
                        out,
                        "  {} changes refused: they rewrite the roster or come from an observer",
                        r.refused
                    );
                }
                if r.held > 0 {
                    let _ = writeln!(
                        out,
                        "  {} changes held: made by a revoked device after its revocation (see `accord held`)",
                        r.held
                    );
                }
                out
            })
        }
        Command::Export {
            meeting,
            format,
            mode,
            draft,
            output,
        } => {
            let m = ids::meeting(ws, meeting).await?;
            let d = match draft {
                Some(d) => Some(ids::draft(ws, d).await?),
                None => None,
            };
            let format = match format {
                FormatArg::Md => accord::report::Format::Markdown,
                FormatArg::Html => accord::report::Format::Html,
                FormatArg::Docx => accord::report::Format::Docx,
            };
            let mode = match mode {
                ModeArg::Clean => accord::report::Mode::Clean,
                ModeArg::Working => accord::report::Mode::Working,
            };
            let r = ws
                .export_report(&m, d.as_ref(), &RenderOptions::new(format).mode(mode))
                .await?;
            let target = match output {
                Some(o) => Some(path(o)),
                None if format == accord::report::Format::Docx => Some(req.cwd.join(&r.file_name)),
                None => None,
            };
            match target {
                Some(file) => {
                    write_file(&file, &r.bytes)?;
                    let v =
                        json!({ "file": file, "bytes": r.bytes.len(), "media_type": r.media_type });
                    Output::either(json, v, || {
                        format!("wrote {} ({} bytes)\n", file.display(), r.bytes.len())
                    })
                }
                None => {
                    let text = String::from_utf8(r.bytes).context("the report is not text")?;
                    let v = json!({ "file_name": r.file_name, "media_type": r.media_type, "content": text });
                    Output::either(json, v, || text.clone())
                }
            }
        }
        Command::Import {
            meeting,
            file,
            add_actions,
        } => {
            let m = ids::meeting(ws, meeting).await?;
            let file = path(file);
            let r = ws.import_report_file(&m, &file, *add_actions).await?;
            Output::either(json, serde_json::to_value(&r)?, || show::imported(&r))
        }
    })
}

fn write_file(file: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(file, bytes).with_context(|| format!("cannot write {}", file.display()))
}

pub fn today() -> Date {
    Zoned::now().date()
}

fn parse_date(s: &str) -> Result<Date> {
    s.trim()
        .parse::<Date>()
        .map_err(|e| anyhow!("{s:?} is not a date (YYYY-MM-DD): {e}"))
}

fn party_kind(name: &str) -> PartyKind {
    let l = name.to_lowercase();
    if l.contains("secretar") {
        PartyKind::Secretariat
    } else if l.contains("civil") {
        PartyKind::CivilSociety
    } else {
        PartyKind::Member
    }
}

async fn meeting(ws: &Workspace, c: &MeetingCmd, json: bool) -> Result<Output> {
    Ok(match c {
        MeetingCmd::Create {
            title,
            forum,
            venue,
            date,
            parties,
        } => {
            let mut d = MeetingDetails::titled(title);
            if let Some(f) = forum {
                d.forum = f.clone();
            }
            if let Some(v) = venue {
                d.venue = v.clone();
            }
            if let Some(date) = date {
                let date = parse_date(date)?;
                d.start_date = Some(date);
                d.end_date = Some(date);
            }
            let parties: Vec<Party> = parties
                .iter()
                .map(|p| Party::new(p, party_kind(p)))
                .collect::<Result<_, _>>()?;
            let id = ws.create_meeting(&d, &parties).await?;
            ws.index_settled().await?;
            Output::either(json, json!({ "id": id }), || {
                format!("created meeting {id}\n")
            })
        }
        MeetingCmd::List => {
            let rows = ws.meetings().await?;
            let v: Vec<Value> = rows
                .iter()
                .map(|r| {
                    json!({
                        "id": r.id, "title": r.title, "forum": r.forum, "venue": r.venue,
                        "start_date": r.start_date, "end_date": r.end_date, "parties": r.parties,
                        "documents": r.documents, "open_actions": r.open_actions,
                    })
                })
                .collect();
            Output::either(json, Value::Array(v), || {
                let mut out = String::new();
                for r in &rows {
                    let date = r.start_date.map(|d| d.to_string()).unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "{}  {}  {}  {}  ({} open actions)",
                        r.id, date, r.title, r.venue, r.open_actions
                    );
                }
                if rows.is_empty() {
                    out.push_str("no meetings yet: `accord meeting create --title …`, `accord demo` or `accord join TICKET`\n");
                }
                out
            })
        }
        MeetingCmd::Show { meeting } => {
            let m = ids::meeting(ws, meeting).await?;
            let full = ws.meeting_full(&m).await?;
            let roster = ws.roster(&m).await.ok();
            let mut v = serde_json::to_value(&full)?;
            if let Some(r) = &roster {
                v["roster"] = serde_json::to_value(&r.entries)?;
            }
            Output::either(json, v, || show::meeting(&full, roster.as_ref(), today()))
        }
    })
}

async fn draft(ws: &Workspace, c: &DraftCmd, json: bool) -> Result<Output> {
    Ok(match c {
        DraftCmd::Create {
            meeting,
            title,
            preamble,
        } => {
            let m = ids::meeting(ws, meeting).await?;
            let id = ws.create_draft(&m, title, preamble).await?;
            Output::either(json, json!({ "id": id }), || {
                format!("created draft {id}\n")
            })
        }
        DraftCmd::Show { draft } => {
            let d = ids::draft(ws, draft).await?;
            let view = ws.draft(&d).await?;
            Output::either(json, draft_json(&d, &view), || show::draft(&d, &view))
        }
    })
}

/// The clause tree with each clause's computed number, text, status and children.
pub fn draft_json(id: &DocId, view: &DraftView) -> Value {
    fn clauses(cs: &[accord::model::ClauseView], prefix: &str) -> Vec<Value> {
        cs.iter()
            .map(|c| {
                let n = if prefix.is_empty() {
                    c.number.label()
                } else {
                    format!("{prefix}.{}", c.number.label())
                };
                json!({
                    "id": c.id, "number": n, "text": c.text, "status": c.status,
                    "proposed_by": c.proposed_by, "children": clauses(&c.children, &n),
                })
            })
            .collect()
    }
    json!({
        "id": id, "meeting": view.meeting, "title": view.title, "preamble": view.preamble,
        "clauses": clauses(&view.clauses, ""), "summary": view.summary(),
    })
}

async fn clause(ws: &Workspace, c: &ClauseCmd, json: bool) -> Result<Output> {
    let done = |id: &accord::model::ClauseId, what: String| {
        Output::either(json, json!({ "id": id }), || format!("{what}\n"))
    };
    Ok(match c {
        ClauseCmd::Add {
            draft,
            parent,
            after,
            text,
        } => {
            let d = ids::draft(ws, draft).await?;
            let at = match (parent, after) {
                (Some(p), _) => Placement::end_of(&ids::clause(ws, &d, p).await?),
                (None, Some(a)) => Placement::after(&ids::clause(ws, &d, a).await?),
                (None, None) => Placement::top_end(),
            };
            let id = ws.insert_clause(&d, &at, text).await?;
            let view = ws.draft(&d).await?;
            let n = ids::numbered(&view)
                .into_iter()
                .find(|(_, c)| c.id == id)
                .map(|(n, _)| n)
                .unwrap_or_default();
            Output::either(json, json!({ "id": id }), || {
                format!("added clause {n} ({id})\n")
            })
        }
        ClauseCmd::Edit {
            draft,
            clause,
            text,
            splice,
        } => {
            let d = ids::draft(ws, draft).await?;
            let c = ids::clause(ws, &d, clause).await?;
            match (text, splice) {
                (Some(t), _) => ws.set_clause_text(&d, &c, t).await?,
                (None, Some(s)) => {
                    ws.splice(&d, &TextField::Clause(c.clone()), &parse_splice(s)?)
                        .await?
                }
                (None, None) => bail!("give --text or --splice"),
            }
            done(&c, format!("edited clause {c}"))
        }
        ClauseCmd::Status {
            draft,
            clause,
            status,
        } => {
            let d = ids::draft(ws, draft).await?;
            let c = ids::clause(ws, &d, clause).await?;
            let st: ClauseStatus = status.parse()?;
            ws.set_clause_status(&d, &c, st).await?;
            done(&c, format!("clause {c} is now {st}"))
        }
        ClauseCmd::Move {
            draft,
            clause,
            parent,
            after,
            indent,
            outdent,
        } => {
            let d = ids::draft(ws, draft).await?;
            let c = ids::clause(ws, &d, clause).await?;
            if *indent {
                ws.indent_clause(&d, &c).await?;
            } else if *outdent {
                ws.outdent_clause(&d, &c).await?;
            } else {
                let at = match (parent, after) {
                    (Some(p), _) => Placement::end_of(&ids::clause(ws, &d, p).await?),
                    (None, Some(a)) => Placement::after(&ids::clause(ws, &d, a).await?),
                    (None, None) => Placement::top_end(),
                };
                ws.move_clause(&d, &c, &at).await?;
            }
            let view = ws.draft(&d).await?;
            let n = ids::numbered(&view)
                .into_iter()
                .find(|(_, x)| x.id == c)
                .map(|(n, _)| n)
                .unwrap_or_default();
            done(&c, format!("clause {c} is now {n}"))
        }
        ClauseCmd::Delete { draft, clause } => {
            let d = ids::draft(ws, draft).await?;
            let c = ids::clause(ws, &d, clause).await?;
            ws.delete_clause(&d, &c).await?;
            done(&c, format!("deleted clause {c}"))
        }
    })
}

/// `POS:DEL:TEXT` (the text may contain colons).
fn parse_splice(s: &str) -> Result<Splice> {
    let mut parts = s.splitn(3, ':');
    let (Some(pos), Some(del)) = (parts.next(), parts.next()) else {
        bail!("{s:?} is not POS:DEL:TEXT")
    };
    let pos: usize = pos
        .trim()
        .parse()
        .map_err(|_| anyhow!("{s:?} is not POS:DEL:TEXT: {pos:?} is not a position"))?;
    let del: usize = del
        .trim()
        .parse()
        .map_err(|_| anyhow!("{s:?} is not POS:DEL:TEXT: {del:?} is not a count"))?;
    Ok(Splice::new(pos, del, parts.next().unwrap_or("")))
}

async fn minutes(ws: &Workspace, c: &MinutesCmd, json: bool) -> Result<Output> {
    Ok(match c {
        MinutesCmd::Append { meeting, text } => {
            let m = ids::meeting(ws, meeting).await?;
            ws.append_minutes(&m, text).await?;
            let id = ws.minutes_of(&m).await?;
            Output::either(json, json!({ "id": id }), || {
                "appended to the minutes\n".to_string()
            })
        }
        MinutesCmd::Show { meeting } => {
            let m = ids::meeting(ws, meeting).await?;
            let id = ws.minutes_of(&m).await?;
            let v = ws.minutes(&id).await?;
            Output::either(
                json,
                json!({ "id": id, "meeting": m, "text": v.text }),
                || {
                    if v.text.ends_with('\n') || v.text.is_empty() {
                        v.text.clone()
                    } else {
                        format!("{}\n", v.text)
                    }
                },
            )
        }
    })
}

/// A party of a meeting by its id, name or short name.
fn party_of(view: &accord::model::MeetingView, arg: &str) -> Result<PartyId> {
    let a = arg.trim().to_lowercase();
    let slug = PartyId::slug(arg).ok();
    view.parties
        .iter()
        .find(|p| {
            p.id.as_str() == a
                || p.name.to_lowercase() == a
                || p.short_name
                    .as_deref()
                    .is_some_and(|s| s.to_lowercase() == a)
                || slug.as_ref() == Some(&p.id)
        })
        .map(|p| p.id.clone())
        .ok_or_else(|| {
            let names: Vec<&str> = view.parties.iter().map(|p| p.name.as_str()).collect();
            anyhow!(
                "{arg:?} is not a party of this meeting (its parties: {})",
                names.join(", ")
            )
        })
}

async fn action(ws: &Workspace, c: &ActionCmd, json: bool) -> Result<Output> {
    Ok(match c {
        ActionCmd::Add {
            meeting,
            text,
            owners,
            due,
        } => {
            let m = ids::meeting(ws, meeting).await?;
            let view = ws.meeting(&m).await?;
            let owners = owners
                .iter()
                .map(|o| party_of(&view, o))
                .collect::<Result<Vec<_>>>()?;
            let due = due.as_deref().map(parse_date).transpose()?;
            let id = ws
                .add_action(
                    &m,
                    &NewAction {
                        text: text.clone(),
                        owners,
                        due,
                        source: None,
                    },
                )
                .await?;
            ws.index_settled().await?;
            Output::either(json, json!({ "id": id }), || {
                format!("added action item {id}\n")
            })
        }
        ActionCmd::List {
            overdue,
            owner,
            meeting,
        } => {
            let mut f = ActionFilter::default();
            if *overdue {
                f.overdue_on = Some(today());
            }
            if let Some(o) = owner {
                f.owner = Some(PartyId::slug(o)?);
            }
            if let Some(m) = meeting {
                f.meeting = Some(ids::meeting(ws, m).await?);
            }
            let rows = ws.actions(&f).await?;
            let today = today();
            let v: Vec<Value> = rows
                .iter()
                .map(|r| {
                    json!({
                        "id": r.action.id, "meeting": r.meeting, "meeting_title": r.meeting_title,
                        "text": r.action.text, "owners": r.action.owners, "due": r.action.due,
                        "status": r.action.status, "overdue": r.action.is_overdue(today),
                    })
                })
                .collect();
            Output::either(json, Value::Array(v), || {
                let mut out = String::new();
                for r in &rows {
                    let a = &r.action;
                    let owners: Vec<&str> = a.owners.iter().map(|o| o.as_str()).collect();
                    let due = a
                        .due
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "no date".into());
                    let late = if a.is_overdue(today) { " OVERDUE" } else { "" };
                    let _ = writeln!(
                        out,
                        "{}  {}{}  [{}]  {} — {}",
                        a.id,
                        due,
                        late,
                        a.status,
                        a.text,
                        owners.join(", ")
                    );
                }
                if rows.is_empty() {
                    out.push_str("no action items\n");
                }
                out
            })
        }
        ActionCmd::Done { action } => {
            let (m, a) = ids::action(ws, action).await?;
            ws.set_action_status(&m, &a, ActionStatus::Done).await?;
            ws.index_settled().await?;
            Output::either(json, json!({ "id": a }), || {
                format!("action item {a} done\n")
            })
        }
    })
}
