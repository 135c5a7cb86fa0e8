//! `accord`: the application API — **API boundary**. The CLI and the desktop app both call
//! this crate and hold no domain logic of their own, so a behaviour tested through one is
//! the behaviour of both.

/// The document model, re-exported so that faces depend on one crate.
pub use accord_model as model;
