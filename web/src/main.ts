// Entry: log in if needed, then the app shell with its pages.
import 'maplibre-gl/dist/maplibre-gl.css';
import './style.css';
import { api, ApiError, getToken, setToken, whenUnauthorized } from './api';
import { showLogin } from './login';
import { showPasswordChange } from './password';
import { preloadPageCode, startShell } from './shell/shell';
import { everyTown, live } from './live';
import type { Account } from './api/types';

const root = document.getElementById('app')!;

async function boot(): Promise<void> {
  preloadPageCode(location.hash);
  if (!getToken()) return showLogin(root, () => void boot());
  let me: Account;
  try {
    me = await api.get('/api/auth/me');
  } catch (err) {
    // Logged in, but the password given by an admin (or the first start) must be changed first.
    if (err instanceof ApiError && err.code === 'password_change_required') {
      return showPasswordChange(root, { forced: true }, () => void boot());
    }
    setToken(null);
    return showLogin(root, () => void boot());
  }
  await startShell(root, me);
}

whenUnauthorized(() => {
  // A late answer (a page's timer) while the form is up must not wipe what is typed.
  if (document.getElementById('login-username')) return;
  live.stop();
  everyTown.reset();
  setToken(null);
  location.hash = '';
  // The old shell's pages still hold their listeners: a fresh page after the login.
  showLogin(root, () => location.reload());
});

void boot();
