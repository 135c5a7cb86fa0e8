//! Small JSON files beside the database (settings, pinned meetings): read with defaults when
//! missing, refused with the file's name when malformed (never overwritten silently), written
//! atomically (a temporary file, fsync, rename) so a crash never leaves half a file.

use std::path::Path;

use serde::{Serialize, de::DeserializeOwned};

use crate::error::{Error, Result};

pub(crate) fn load<T: Default + DeserializeOwned>(
    dir: &Path,
    file: &str,
    what: &'static str,
) -> Result<T> {
    let path = dir.join(file);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            Error::invalid(
                what,
                path.display().to_string(),
                format!("it is not valid JSON: {e}"),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(e) => Err(Error::invalid(
            what,
            path.display().to_string(),
            e.to_string(),
        )),
    }
}

pub(crate) fn save<T: Serialize>(
    dir: &Path,
    file: &str,
    what: &'static str,
    value: &T,
) -> Result<()> {
    use std::io::Write;
    let path = dir.join(file);
    let tmp = dir.join(format!("{file}.tmp"));
    let bad = |e: std::io::Error| Error::invalid(what, path.display().to_string(), e.to_string());
    let mut f = std::fs::File::create(&tmp).map_err(bad)?;
    f.write_all(&serde_json::to_vec_pretty(value).expect("plain data serialises"))
        .map_err(bad)?;
    f.sync_all().map_err(bad)?;
    std::fs::rename(&tmp, &path).map_err(bad)?;
    Ok(())
}
