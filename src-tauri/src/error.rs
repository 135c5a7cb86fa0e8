//! The one error every command rejects with: `{ code, message }`, mirrored in TypeScript as
//! `AccordError` (`ui/src/lib/types.ts`). `code` is [`accord::Error::code`] — stable and
//! machine-readable — and `message` its Display, for people.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct IpcError {
    pub code: String,
    pub message: String,
}

impl IpcError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        IpcError {
            code: code.into(),
            message: message.into(),
        }
    }

    /// A command whose API is not in this build yet (the UI shows the message).
    pub fn not_available(what: &str) -> Self {
        IpcError::new(
            "not_available",
            format!("{what} is not available in this version of Accord yet"),
        )
    }
}

impl From<accord::Error> for IpcError {
    fn from(e: accord::Error) -> Self {
        IpcError::new(e.code(), e.to_string())
    }
}

impl From<accord::model::ModelError> for IpcError {
    fn from(e: accord::model::ModelError) -> Self {
        accord::Error::from(e).into()
    }
}

impl From<tauri::Error> for IpcError {
    fn from(e: tauri::Error) -> Self {
        IpcError::new("ipc", e.to_string())
    }
}

/// What commands return.
pub type CmdResult<T> = Result<T, IpcError>;
