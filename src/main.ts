import { mount } from 'svelte';
import App from './ui/shell/App.svelte';
import './ui/shell/app.css';

const target = document.getElementById('app')!;
try {
  mount(App, { target });
} catch (e) {
  // Never a blank page: if the UI itself fails to start, say so in plain text.
  target.textContent = `Abstract Atlas could not start: ${(e as Error).message}`;
  throw e;
}
