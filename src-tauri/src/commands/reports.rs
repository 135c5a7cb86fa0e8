//! Reports out and in: a draft rendered to Markdown, HTML or DOCX and saved as a file; a
//! report or draft read into a new draft of the meeting.
//!
//! Export writes the file here, in Rust, rather than handing the bytes to the page: a
//! webview has no reliable "download" (WebKitGTK drops `<a download>` of a blob), and no
//! dialog plugin is needed. The file goes into `$ACCORD_EXPORT_DIR`, else the user's
//! Downloads folder, else the profile's `exports/` folder, under a name that never
//! overwrites an existing file.

use std::io::Write;
use std::path::{Path, PathBuf};

use accord::export::{Format, Mode, RenderOptions};
use accord::model::DocId;
use tauri::{AppHandle, Manager, Runtime, State};

use crate::Accord;
use crate::dto::{ExportedFile, ImportSummary};
use crate::error::{CmdResult, IpcError};

/// Overrides where exported reports are saved.
pub const EXPORT_DIR_ENV: &str = "ACCORD_EXPORT_DIR";

#[tauri::command]
#[tracing::instrument(skip(app, s), err(Debug))]
pub async fn export_report<R: Runtime>(
    app: AppHandle<R>,
    s: State<'_, Accord>,
    meeting_id: DocId,
    draft_id: Option<DocId>,
    format: String,
    mode: String,
) -> CmdResult<ExportedFile> {
    let format: Format = format.parse().map_err(|e| IpcError::new("invalid", e))?;
    let mode: Mode = mode.parse().map_err(|e| IpcError::new("invalid", e))?;
    let opts = RenderOptions::new(format).mode(mode);
    let out =
        s.ws.export_report(&meeting_id, draft_id.as_ref(), &opts)
            .await?;
    let dir = export_dir(&app, &s);
    let (name, bytes) = (out.file_name.clone(), out.bytes.clone());
    let path = tauri::async_runtime::spawn_blocking(move || save_new(&dir, &name, &bytes))
        .await
        .map_err(|e| IpcError::new("export", e.to_string()))?
        .map_err(|e| IpcError::new("export", format!("the report could not be saved: {e}")))?;
    tracing::info!(path = %path.display(), "report saved");
    Ok(ExportedFile::new(out, path))
}

/// Imports a report or draft (Markdown, text or DOCX, told apart by `file_name`) as a new
/// draft. The action items it suggests are listed; they are added only with `add_actions`.
#[tauri::command]
#[tracing::instrument(skip(s, bytes), fields(len = bytes.len()), err(Debug))]
pub async fn import_report(
    s: State<'_, Accord>,
    meeting_id: DocId,
    bytes: Vec<u8>,
    file_name: String,
    add_actions: Option<bool>,
) -> CmdResult<ImportSummary> {
    let name = Some(file_name.as_str()).filter(|n| !n.trim().is_empty());
    let imported =
        s.ws.import_report(&meeting_id, &bytes, name, add_actions.unwrap_or(false))
            .await?;
    Ok(ImportSummary::from(imported))
}

/// Where reports are saved: the state's override, `$ACCORD_EXPORT_DIR`, the Downloads
/// folder, `~/Downloads` if it exists, else `<profile>/exports`.
pub fn export_dir<R: Runtime>(app: &AppHandle<R>, s: &Accord) -> PathBuf {
    if let Some(d) = &s.export_dir {
        return d.clone();
    }
    if let Some(d) = std::env::var_os(EXPORT_DIR_ENV).filter(|d| !d.is_empty()) {
        return d.into();
    }
    if let Ok(d) = app.path().download_dir() {
        return d;
    }
    if let Ok(home) = app.path().home_dir()
        && home.join("Downloads").is_dir()
    {
        return home.join("Downloads");
    }
    s.ws.dir().join("exports")
}

/// Writes `bytes` to `dir/name`, or to `dir/stem (2).ext`, … if that exists: never over
/// another file.
pub fn save_new(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let p = Path::new(name);
    let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("report");
    let ext = p.extension().and_then(|s| s.to_str());
    for n in 1..1000 {
        let file = match (n, ext) {
            (1, _) => name.to_string(),
            (n, Some(ext)) => format!("{stem} ({n}).{ext}"),
            (n, None) => format!("{stem} ({n})"),
        };
        let path = dir.join(file);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                f.write_all(bytes)?;
                f.sync_all()?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        format!("too many files named like {name} in {}", dir.display()),
    ))
}
