//! Shared test helpers (included with `mod common;`).
#![allow(dead_code)]

use std::path::PathBuf;

use accord_model::{ChangeCtx, DeviceId, DraftView, MeetingView, demo, draft, meeting};

pub fn demo() -> (MeetingView, DraftView) {
    let ctx = ChangeCtx::new(DeviceId::from_bytes([7; 32]), jiff::Timestamp::UNIX_EPOCH);
    let d = demo::build(&demo::DemoIds::default(), &ctx).expect("demo builds");
    (meeting::read(&d.meeting).expect("meeting reads"), draft::read(&d.draft).expect("draft reads"))
}

/// The shared fixture, read from `shared/fixtures` beside the checkout.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "fixture {} is missing ({e}); these tests read the shared fixtures that sit beside the \
             repository as ../shared/fixtures — check them out there",
            path.display()
        )
    })
}

/// One of this crate's own test inputs.
pub fn input(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/inputs").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("test input {} is missing: {e}", path.display()))
}
