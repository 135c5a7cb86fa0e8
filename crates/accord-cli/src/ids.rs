//! Ids as people type them: a full document id, or a unique prefix of at least four
//! characters; a clause also by its computed number ("2.a") within its draft.

use accord::Workspace;
use accord::model::{ActionId, ClauseId, ClauseView, DeviceId, DocId, DraftView, RosterView};
use anyhow::{Context, Result, anyhow, bail};

/// The shortest prefix accepted.
const MIN_PREFIX: usize = 4;

/// Picks the one candidate whose key is `arg` or starts with it.
pub fn pick<T: Clone>(what: &str, arg: &str, candidates: &[(String, T)]) -> Result<T> {
    let arg = arg.trim().trim_start_matches("automerge:");
    if let Some((_, v)) = candidates.iter().find(|(k, _)| k == arg) {
        return Ok(v.clone());
    }
    if arg.chars().count() < MIN_PREFIX {
        bail!("no {what} has the id {arg:?} (a prefix must have at least {MIN_PREFIX} characters)");
    }
    let found: Vec<&(String, T)> = candidates
        .iter()
        .filter(|(k, _)| k.starts_with(arg))
        .collect();
    match found.as_slice() {
        [] => bail!("no {what} matches {arg:?}"),
        [(_, v)] => Ok(v.clone()),
        many => {
            let names: Vec<&str> = many.iter().take(5).map(|(k, _)| k.as_str()).collect();
            bail!(
                "{arg:?} matches {} {what}s ({}); type more of the id",
                many.len(),
                names.join(", ")
            )
        }
    }
}

fn full_id(arg: &str) -> Option<DocId> {
    let arg = arg.trim().trim_start_matches("automerge:");
    // Document ids are long; a short argument is a prefix.
    if arg.len() < 16 {
        return None;
    }
    DocId::new(arg).ok()
}

pub async fn meeting(ws: &Workspace, arg: &str) -> Result<DocId> {
    if let Some(id) = full_id(arg)
        && ws.meeting(&id).await.is_ok()
    {
        return Ok(id);
    }
    let rows = ws.meetings().await?;
    let c: Vec<(String, DocId)> = rows.into_iter().map(|r| (r.id.to_string(), r.id)).collect();
    pick("meeting", arg, &c)
}

/// Every draft of every meeting: (draft, meeting).
pub async fn all_drafts(ws: &Workspace) -> Result<Vec<(DocId, DocId)>> {
    let mut out = Vec::new();
    for r in ws.meetings().await? {
        if let Ok(v) = ws.meeting(&r.id).await {
            out.extend(v.drafts().map(|d| (d.clone(), r.id.clone())));
        }
    }
    Ok(out)
}

pub async fn draft(ws: &Workspace, arg: &str) -> Result<DocId> {
    if let Some(id) = full_id(arg)
        && ws.draft(&id).await.is_ok()
    {
        return Ok(id);
    }
    let c: Vec<(String, DocId)> = all_drafts(ws)
        .await?
        .into_iter()
        .map(|(d, _)| (d.to_string(), d))
        .collect();
    pick("draft", arg, &c)
}

/// Every clause of a draft in reading order, with its full number (`2.a.i`).
pub fn numbered(view: &DraftView) -> Vec<(String, &ClauseView)> {
    fn walk<'a>(cs: &'a [ClauseView], prefix: &str, out: &mut Vec<(String, &'a ClauseView)>) {
        for c in cs {
            let n = if prefix.is_empty() {
                c.number.label()
            } else {
                format!("{prefix}.{}", c.number.label())
            };
            out.push((n.clone(), c));
            walk(&c.children, &n, out);
        }
    }
    let mut out = Vec::new();
    walk(&view.clauses, "", &mut out);
    out
}

pub async fn clause(ws: &Workspace, draft: &DocId, arg: &str) -> Result<ClauseId> {
    let view = ws
        .draft(draft)
        .await
        .with_context(|| format!("draft {draft}"))?;
    clause_in(&view, arg)
}

pub fn clause_in(view: &DraftView, arg: &str) -> Result<ClauseId> {
    let numbered = numbered(view);
    let as_number = arg.trim().trim_end_matches('.');
    if let Some((_, c)) = numbered.iter().find(|(n, _)| n == as_number) {
        return Ok(c.id.clone());
    }
    let c: Vec<(String, ClauseId)> = numbered
        .iter()
        .map(|(_, c)| (c.id.to_string(), c.id.clone()))
        .collect();
    pick("clause", arg, &c).map_err(|e| anyhow!("{e} in draft {:?}", view.title))
}

/// An action item of any meeting: (meeting, action).
pub async fn action(ws: &Workspace, arg: &str) -> Result<(DocId, ActionId)> {
    let rows = ws.actions(&Default::default()).await?;
    let c: Vec<(String, (DocId, ActionId))> = rows
        .into_iter()
        .map(|r| (r.action.id.to_string(), (r.meeting, r.action.id)))
        .collect();
    pick("action item", arg, &c)
}

pub fn device(roster: &RosterView, arg: &str) -> Result<DeviceId> {
    let c: Vec<(String, DeviceId)> = roster
        .entries
        .iter()
        .map(|e| (e.device.to_string(), e.device))
        .collect();
    pick("device on the roster", arg, &c)
}

#[cfg(test)]
mod tests {
    use super::pick;

    fn c() -> Vec<(String, u8)> {
        vec![
            ("abcdef12".into(), 1),
            ("abcdzz".into(), 2),
            ("qwerty".into(), 3),
        ]
    }

    #[test]
    fn exact_ids_and_unique_prefixes_resolve() {
        assert_eq!(pick("x", "qwerty", &c()).unwrap(), 3);
        assert_eq!(pick("x", "abcde", &c()).unwrap(), 1);
        assert_eq!(pick("x", "automerge:qwer", &c()).unwrap(), 3);
    }

    #[test]
    fn short_ambiguous_and_unknown_prefixes_are_refused() {
        assert!(
            pick("x", "qwe", &c())
                .unwrap_err()
                .to_string()
                .contains("at least 4")
        );
        assert!(
            pick("x", "abcd", &c())
                .unwrap_err()
                .to_string()
                .contains("matches 2")
        );
        assert!(
            pick("x", "zzzz", &c())
                .unwrap_err()
                .to_string()
                .contains("no x matches")
        );
    }
}
