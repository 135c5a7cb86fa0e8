//! Files the faces name by path: a report to import, a bundle. Each kind has a size limit,
//! checked from the file's metadata before a byte is read (a 2 GB file picked by mistake is
//! refused at once, not after it has filled memory) and again while reading, should the
//! file grow in between. The CLI and the desktop app read such files only through here.

use std::io::Read;
use std::path::Path;

use accord_model::DocId;

use crate::bundle::{BundleImported, MAX_BUNDLE_BYTES};
use crate::error::{Error, Result};
use crate::report::Imported;
use crate::workspace::Workspace;

/// What a file is read for, which sets how large it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileKind {
    /// A report or draft to import: at most [`accord_export::limits::MAX_INPUT_BYTES`].
    Report,
    /// A sneakernet bundle: at most [`MAX_BUNDLE_BYTES`].
    Bundle,
}

impl FileKind {
    /// The largest file of this kind that is read, in bytes.
    pub const fn limit(self) -> u64 {
        match self {
            FileKind::Report => accord_export::limits::MAX_INPUT_BYTES,
            FileKind::Bundle => MAX_BUNDLE_BYTES,
        }
    }

    /// What the file is, for messages: "a report to import".
    pub const fn describe(self) -> &'static str {
        match self {
            FileKind::Report => "a report to import",
            FileKind::Bundle => "a bundle",
        }
    }
}

/// Reads a file whole if it is within its kind's limit; refuses it, naming the file and the
/// limit, from its size before reading it otherwise.
pub fn read(path: &Path, kind: FileKind) -> Result<Vec<u8>> {
    let read_error = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(read_error)?;
    let size = file.metadata().map_err(read_error)?.len();
    check_size(path, size, kind)?;
    // Within the limit, so the metadata may size the buffer.
    let mut bytes = Vec::with_capacity(size as usize);
    (&mut file)
        .take(kind.limit() + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    check_size(path, bytes.len() as u64, kind)?;
    Ok(bytes)
}

/// Refuses `size` bytes for a file of `kind` when they are over its limit.
pub fn check_size(path: &Path, size: u64, kind: FileKind) -> Result<()> {
    if size > kind.limit() {
        return Err(Error::FileTooLarge {
            path: path.to_path_buf(),
            what: kind.describe(),
            size,
            limit: kind.limit(),
        });
    }
    Ok(())
}

impl Workspace {
    /// [`Workspace::import_report`] of a file: read within [`FileKind::Report`]'s limit,
    /// its kind told by its name.
    pub async fn import_report_file(
        &self,
        meeting: &DocId,
        path: &Path,
        add_actions: bool,
    ) -> Result<Imported> {
        let bytes = read_blocking(path, FileKind::Report).await?;
        let name = path.file_name().and_then(|n| n.to_str());
        self.import_report(meeting, &bytes, name, add_actions).await
    }

    /// [`Workspace::import_bundle`] of a file: read within [`FileKind::Bundle`]'s limit; a
    /// refusal names the file.
    pub async fn import_bundle_file(&self, path: &Path) -> Result<BundleImported> {
        let bytes = read_blocking(path, FileKind::Bundle).await?;
        self.import_bundle(&bytes).await.map_err(|e| match e {
            // `import_bundle` has bytes, not a file: its refusals name no bundle.
            Error::Invalid {
                what: "bundle",
                value,
                reason,
            } if value.is_empty() => Error::Invalid {
                what: "bundle",
                value: path.display().to_string(),
                reason,
            },
            e => e,
        })
    }
}

/// [`read`] off the async threads: a file of tens of megabytes takes a while.
async fn read_blocking(path: &Path, kind: FileKind) -> Result<Vec<u8>> {
    let owned = path.to_path_buf();
    tokio::task::spawn_blocking(move || read(&owned, kind))
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_its_limit_is_refused_by_its_size_naming_file_and_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.docx");
        // A sparse file: its metadata says 2 GiB, and nothing of it need be read to refuse it.
        let f = std::fs::File::create(&path).unwrap();
        f.set_len(2 << 30).unwrap();
        let err = read(&path, FileKind::Report).unwrap_err();
        assert_eq!(err.code(), "too_large");
        assert_eq!(
            err.to_string(),
            format!(
                "{} is 2147483648 bytes, over the limit of 64 MiB for a report to import",
                path.display()
            )
        );
        f.set_len(16).unwrap();
        assert_eq!(read(&path, FileKind::Report).unwrap(), vec![0; 16]);
        let missing = dir.path().join("missing.bundle");
        let err = read(&missing, FileKind::Bundle).unwrap_err();
        assert!(
            err.to_string()
                .starts_with(&format!("cannot read {}: ", missing.display())),
            "{err}"
        );
    }
}
