//! Errors that stop the app before it can show a page: a native message box and exit 1.

use crate::StartError;

/// Says why on stderr and in a native message box, then exits with status 1.
pub fn exit(e: &StartError) -> ! {
    eprintln!("accord-desktop: {}", e.message);
    show_error("Accord cannot start", &e.message);
    std::process::exit(1)
}

/// A native, modal message box; nothing (stderr has it) where no display is available.
#[cfg(target_os = "linux")]
pub fn show_error(title: &str, message: &str) {
    use gtk::prelude::*;
    if gtk::init().is_err() {
        return;
    }
    let dialog = gtk::MessageDialog::new(
        None::<&gtk::Window>,
        gtk::DialogFlags::MODAL,
        gtk::MessageType::Error,
        gtk::ButtonsType::Close,
        message,
    );
    dialog.set_title(title);
    dialog.run();
    dialog.close();
}

#[cfg(not(target_os = "linux"))]
pub fn show_error(_title: &str, _message: &str) {}
