//! This device's profile and settings.

use tauri::State;

use crate::Accord;
use crate::dto::{Profile, SettingsPatch};
use crate::error::CmdResult;

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn profile(s: State<'_, Accord>) -> CmdResult<Profile> {
    Ok(Profile::of(&s.ws, s.ws.settings()))
}

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn set_settings(s: State<'_, Accord>, settings: SettingsPatch) -> CmdResult<Profile> {
    Ok(Profile::of(&s.ws, s.ws.set_settings(settings.into())?))
}
