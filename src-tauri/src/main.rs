//! `accord-desktop`: opens the profile, then the window; or explains in a native message
//! box why it cannot, and exits with status 1.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use accord_desktop::{fatal, on_run_event, open_workspace, run_app};

fn main() {
    init_tracing();
    warn_about_screenshot_hangs();
    // The profile first: if another Accord holds it, no window flashes up before the message.
    let state = open_workspace().unwrap_or_else(|e| fatal::exit(&e));
    let app = run_app(tauri::Builder::default().manage(state))
        .build(tauri::generate_context!())
        .unwrap_or_else(|e| {
            fatal::exit(&accord_desktop::StartError {
                code: "window",
                message: format!("Accord could not open its window: {e}"),
            })
        });
    app.run(on_run_event);
}

/// The app never sets `WEBKIT_DISABLE_DMABUF_RENDERER` or `WEBKIT_DISABLE_COMPOSITING_MODE`
/// (a common fix for blank windows on some GPUs): with either, WebKitWebDriver's screenshots
/// never return, which hangs the end-to-end tests. If the environment sets them under
/// automation (tauri-driver sets `TAURI_WEBVIEW_AUTOMATION=true`), say so on stderr, which
/// tauri-driver shows.
fn warn_about_screenshot_hangs() {
    if std::env::var("TAURI_WEBVIEW_AUTOMATION").as_deref() != Ok("true") {
        return;
    }
    for var in [
        "WEBKIT_DISABLE_DMABUF_RENDERER",
        "WEBKIT_DISABLE_COMPOSITING_MODE",
    ] {
        if std::env::var_os(var).is_some() {
            eprintln!(
                "accord-desktop: warning: {var} is set; WebDriver screenshots will hang. Unset it for e2e runs."
            );
        }
    }
}

fn init_tracing() {
    // stderr: under tauri-driver the app's stdout is thrown away and its stderr is kept.
    let filter = tracing_subscriber::EnvFilter::try_from_env("ACCORD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,accord_desktop=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
