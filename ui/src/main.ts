import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { createBackend } from './lib/backend';
import { i18n, languageFor } from './lib/i18n.svelte';

// `?lang=es` forces a language (for screenshots and end-to-end tests).
const forced = new URLSearchParams(location.search).get('lang');
i18n.set(forced ? languageFor(forced) : null);

// No top-level await: WebKitGTK builds we target are fine with it, but the es2021 target is not.
void createBackend().then((backend) => {
  mount(App, { target: document.getElementById('app')!, props: { backend } });
});
