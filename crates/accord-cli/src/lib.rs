//! The `accord` command line as a library: the clap types ([`cli`]), the carrying out of one
//! command on an open workspace ([`exec`]), and the local socket through which a running peer
//! carries out the commands of other processes on its profile ([`local`]). The binary is flags
//! and glue over these; the desktop app can start [`local::LocalServer`] on its workspace so
//! scripts work beside it.

pub mod cli;
pub mod duration;
pub mod exec;
mod ids;
pub mod local;
pub mod net;
mod show;

use accord::NetMode;

/// One line: the error and its causes, separated by colons (each cause once).
pub fn chain(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in e.chain() {
        let s = c.to_string();
        // A transparent wrapper repeats its source; say it once.
        if parts.last().is_some_and(|p| p.ends_with(&s)) {
            continue;
        }
        parts.push(s);
    }
    parts.join(": ")
}

/// How a command that needs the network joins it: `ACCORD_NET` (off, loopback, lan, online)
/// wins, then `--offline` (LAN only), else online.
pub fn net_mode(offline: bool) -> anyhow::Result<NetMode> {
    match std::env::var("ACCORD_NET").ok().as_deref().map(str::trim) {
        None | Some("") => Ok(if offline {
            NetMode::Lan
        } else {
            NetMode::Online
        }),
        Some("off") => Ok(NetMode::Off),
        Some("loopback") => Ok(NetMode::Loopback),
        Some("lan") => Ok(NetMode::Lan),
        Some("online") => Ok(if offline {
            NetMode::Lan
        } else {
            NetMode::Online
        }),
        Some(other) => {
            anyhow::bail!("ACCORD_NET={other:?} is not one of off, loopback, lan, online")
        }
    }
}
