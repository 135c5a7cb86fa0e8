import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { createBackend } from './lib/backend';
import { i18n, languageFor } from './lib/i18n.svelte';

// `?lang=es` forces a language (for screenshots and end-to-end tests).
const forced = new URLSearchParams(location.search).get('lang');
if (forced) i18n.set(languageFor(forced));
else i18n.set(null);

const backend = await createBackend();
mount(App, { target: document.getElementById('app')!, props: { backend } });
