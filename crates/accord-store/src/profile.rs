//! A profile: one data directory with its lock, database and device key.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::db;
use crate::error::{Result, StoreError};
use crate::store::{Store, StoreOptions};

/// The environment variable that overrides the default data directory.
pub const DATA_DIR_ENV: &str = "ACCORD_DATA_DIR";
/// The database file inside a profile directory.
pub const DATABASE_FILE: &str = "accord.sqlite3";
/// The lock file inside a profile directory.
pub const LOCK_FILE: &str = "LOCK";
/// The device key file inside a profile directory.
pub const DEVICE_KEY_FILE: &str = "device.key";

/// The profile directory to use when none is given: `$ACCORD_DATA_DIR` if set and not empty,
/// else the platform's data directory plus `accord` (`~/.local/share/accord` on Linux,
/// `~/Library/Application Support/accord` on macOS, `%APPDATA%\accord` on Windows).
pub fn default_data_dir() -> Result<PathBuf> {
    data_dir_from(
        std::env::var_os(DATA_DIR_ENV),
        directories::BaseDirs::new().map(|b| b.data_dir().to_path_buf()),
    )
}

/// [`default_data_dir`] with its two inputs passed in, for tests.
pub fn data_dir_from(env: Option<OsString>, platform_data_dir: Option<PathBuf>) -> Result<PathBuf> {
    match env {
        Some(v) if !v.is_empty() => Ok(PathBuf::from(v)),
        _ => platform_data_dir
            .map(|d| d.join("accord"))
            .ok_or(StoreError::NoDataDir),
    }
}

/// An open profile: the directory, locked against other processes for as long as this value
/// (or the writer thread finishing its last batch) lives, its [`Store`] and its device key.
///
/// Dropping a profile closes its store like [`Profile::close`] but cannot report an error.
pub struct Profile {
    dir: PathBuf,
    device_secret: [u8; 32],
    store: Store,
    closed: bool,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        f.debug_struct("Profile")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Profile {
    /// Opens (creating if needed) the profile in `dir` with default [`StoreOptions`].
    pub fn open(dir: impl AsRef<Path>) -> Result<Profile> {
        Self::open_with(dir, StoreOptions::default())
    }

    /// Opens the profile in `dir`:
    ///
    /// 1. creates the directory (mode 0700) if it is missing;
    /// 2. takes an exclusive lock on `LOCK` ([`StoreError::ProfileInUse`] if another process
    ///    has it; the OS drops it when a process dies, even by `kill -9`);
    /// 3. refuses a database whose WAL was lost with commits in it (a `-shm` left by a
    ///    killed process says the log held frames that are gone), and a missing or empty database where the profile was used before (a
    ///    `device.key` beside it, or [`StoreOptions::used`]): [`StoreError::MissingDatabase`];
    /// 4. checks the database on a read-only connection, before anything writes to it
    ///    ([`StoreError::Corrupt`], [`StoreError::NotAProfile`], [`StoreError::NewerFormat`]);
    /// 5. checks the device key against the device the database was used with: a missing
    ///    key where the database holds data, or another key, is an error naming the file
    ///    ([`StoreError::MissingDeviceKey`], [`StoreError::DeviceKeyChanged`]) — never a new
    ///    identity;
    /// 6. opens the database in WAL mode and creates or migrates its tables, creates the
    ///    device key on first start, and records its device in the database.
    pub fn open_with(dir: impl AsRef<Path>, options: StoreOptions) -> Result<Profile> {
        let dir = dir.as_ref().to_path_buf();
        create_dir(&dir)?;
        let lock = lock(&dir)?;
        let db_path = dir.join(DATABASE_FILE);
        let key_path = dir.join(DEVICE_KEY_FILE);
        db::check_existing(&db_path)?;
        db::check_wal_not_lost(&db_path)?;
        let empty = std::fs::metadata(&db_path).map_or(true, |m| m.len() == 0);
        if empty {
            // The key is created only after the database's tables are committed, so a key
            // beside an empty database means the database was lost, not never made.
            let evidence = if key_path.exists() {
                Some(format!(
                    "the device key {} beside it shows the profile was used",
                    key_path.display()
                ))
            } else {
                options.used.clone()
            };
            if let Some(evidence) = evidence {
                return Err(StoreError::MissingDatabase {
                    path: db_path,
                    evidence,
                });
            }
        }
        db::precreate(&db_path)?;
        let inspected = db::inspect(&db_path)?;
        let existing_key = load_key(&key_path)?;
        if let Some(key) = &existing_key {
            let found = device_of(key);
            if let Some(expected) = &inspected.device
                && *expected != found
            {
                return Err(StoreError::DeviceKeyChanged {
                    path: key_path,
                    expected: expected.clone(),
                    found,
                });
            }
        } else if inspected.device.is_some() || inspected.has_data {
            return Err(StoreError::MissingDeviceKey {
                path: key_path,
                device: inspected.device,
            });
        }
        let store = Store::start(db_path, options, lock)?;
        let device_secret = match existing_key.map_or_else(|| create_key(&key_path), Ok) {
            Ok(k) => k,
            Err(e) => {
                let _ = store.close();
                return Err(e);
            }
        };
        if inspected.device.is_none() {
            // Once per profile (a new one, or one made before the device was recorded). On
            // a full disk it waits for the next open: reading must not depend on it.
            if let Err(e) = store.record_device(&device_of(&device_secret)) {
                tracing::warn!(dir = %dir.display(), error = %e, "the device was not recorded in the database");
            }
        }
        tracing::info!(dir = %dir.display(), "profile open");
        Ok(Profile {
            dir,
            device_secret,
            store,
            closed: false,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The device's 32 secret bytes (the iroh secret key), created on first start and kept
    /// in `device.key`, readable only by its owner.
    pub fn device_secret(&self) -> [u8; 32] {
        self.device_secret
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Commits what is queued, stops the writer and releases the lock, so that the profile
    /// can be opened again (by this process or another). Reports a write that failed since
    /// the last flush. Clones of the [`Store`] and its `SqliteStorage` fail with
    /// [`StoreError::Closed`] afterwards: stop the samod repo first.
    pub fn close(mut self) -> Result<()> {
        self.closed = true;
        self.store.close()
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        if !self.closed
            && let Err(e) = self.store.close()
        {
            tracing::error!(dir = %self.dir.display(), error = %e, "closing the profile failed");
        }
    }
}

fn create_dir(dir: &Path) -> Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
        .map_err(|e| StoreError::io("create the profile directory", dir, e))
}

/// An exclusive advisory lock (`flock` on Unix, `LockFileEx` on Windows) through std's
/// `File::try_lock`: it belongs to the open file, so the OS releases it when the process
/// exits for any reason — no stale lock files after a crash.
fn lock(dir: &Path) -> Result<File> {
    let path = dir.join(LOCK_FILE);
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let file = opts
        .open(&path)
        .map_err(|e| StoreError::io("open the lock file", &path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::ProfileInUse {
            path: dir.to_path_buf(),
        }),
        Err(std::fs::TryLockError::Error(e)) => Err(StoreError::io("lock", &path, e)),
    }
}

/// The key lives in its own file rather than in the database: the database is what people
/// copy for backups and attach to bug reports, and a separate 0600 file keeps the secret out
/// of those. It is written to a temporary file created with mode 0600 (never readable by
/// others, not even for an instant), synced, then renamed into place, so a crash leaves either
/// no key or a whole one.
fn load_key(path: &Path) -> Result<Option<[u8; 32]>> {
    match File::open(path) {
        Ok(f) => read_key(path, f).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::io("open the device key", path, e)),
    }
}

/// The device id of a key as the database records it: its public half (what rosters and
/// peers know the device by), never the secret.
fn device_of(secret: &[u8; 32]) -> String {
    accord_model::DeviceKey::from_secret(secret)
        .device()
        .to_string()
}

fn read_key(path: &Path, f: File) -> Result<[u8; 32]> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = f
            .metadata()
            .map_err(|e| StoreError::io("inspect", path, e))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            tracing::warn!(path = %path.display(), mode = format!("{:o}", mode & 0o777), "device key was readable by others; restricting it to its owner");
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| StoreError::io("restrict the permissions of", path, e))?;
        }
    }
    let mut buf = Vec::with_capacity(33);
    Read::take(f, 33)
        .read_to_end(&mut buf)
        .map_err(|e| StoreError::io("read", path, e))?;
    <[u8; 32]>::try_from(buf.as_slice()).map_err(|_| StoreError::InvalidDeviceKey {
        path: path.to_path_buf(),
        reason: format!(
            "it holds {} bytes, not 32",
            if buf.len() > 32 {
                "more than 32".to_string()
            } else {
                buf.len().to_string()
            }
        ),
    })
}

fn create_key(path: &Path) -> Result<[u8; 32]> {
    use rand::TryRngCore;
    let mut key = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut key)
        .map_err(|e| StoreError::io("generate", path, std::io::Error::other(e)))?;
    let tmp = path.with_extension("key.tmp");
    let _ = std::fs::remove_file(&tmp); // a leftover of a crash: it was never the key
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts
        .open(&tmp)
        .map_err(|e| StoreError::io("create", &tmp, e))?;
    f.write_all(&key)
        .and_then(|()| f.sync_all())
        .map_err(|e| StoreError::io("write", &tmp, e))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| StoreError::io("create", path, e))?;
    if let Some(dir) = path.parent()
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all(); // make the rename durable
    }
    tracing::info!(path = %path.display(), "created the device key");
    Ok(key)
}
