// The state every screen shares: the backend, this device's profile, the meeting list,
// and the error messages on screen. Passed down through Svelte context.

import { getContext, setContext } from 'svelte';
import { toAccordError, type Backend } from './backend';
import { i18n, t } from './i18n.svelte';
import type { MeetingSummary, Profile, SettingsPatch } from './types';

export interface ShownError {
  id: number;
  /** Translated wrapper text around the backend's original message. */
  text: string;
  code: string;
}

/** Today as "YYYY-MM-DD" in the local calendar. */
export function localToday(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export class AppState {
  profile = $state<Profile | null>(null);
  meetings = $state<MeetingSummary[]>([]);
  errors = $state<ShownError[]>([]);
  /** Bumped whenever something that the status bar shows may have changed. */
  syncTick = $state(0);
  private nextError = 1;

  constructor(
    readonly backend: Backend,
    /** The day against which action items are overdue; injectable for tests. */
    readonly today: () => string = localToday,
  ) {}

  async init() {
    try {
      this.profile = await this.backend.profile();
      if (this.profile.language) i18n.set(this.profile.language);
    } catch (e) {
      this.error('load', e);
    }
    await this.refreshMeetings();
  }

  async refreshMeetings() {
    try {
      this.meetings = await this.backend.listMeetings();
    } catch (e) {
      this.error('load', e);
    }
  }

  async saveSettings(patch: SettingsPatch) {
    try {
      this.profile = await this.backend.setSettings(patch);
      if (patch.language !== undefined) i18n.set(patch.language);
      this.syncTick++;
      return true;
    } catch (e) {
      this.error('save', e);
      return false;
    }
  }

  /** Show an error: the translated wrapper with the backend's message kept as it is. */
  error(kind: 'load' | 'save', e: unknown) {
    const err = toAccordError(e);
    const id = this.nextError++;
    this.errors = [...this.errors, { id, code: err.code, text: t(kind === 'load' ? 'error.load' : 'error.save', { message: err.message }) }];
  }

  dismiss(id: number) {
    this.errors = this.errors.filter((e) => e.id !== id);
  }

  /** Runs a change; shows its error if it fails. Returns the result or undefined. */
  async run<T>(f: () => Promise<T>): Promise<T | undefined> {
    try {
      return await f();
    } catch (e) {
      this.error('save', e);
      return undefined;
    }
  }
}

const KEY = Symbol('accord-app');
export function provideApp(app: AppState) {
  setContext(KEY, app);
}
export function useApp(): AppState {
  return getContext<AppState>(KEY);
}
