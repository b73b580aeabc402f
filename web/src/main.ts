// Entry: log in if needed, then the app shell with its pages.
import 'maplibre-gl/dist/maplibre-gl.css';
import './style.css';
import { get, getToken, setToken, whenUnauthorized } from './api';
import { showLogin } from './login';
import { startShell } from './shell/shell';
import { live } from './live';
import type { Account } from './types';

const root = document.getElementById('app')!;

async function boot(): Promise<void> {
  if (!getToken()) return showLogin(root, () => void boot());
  let me: Account;
  try {
    me = await get<Account>('/api/auth/me');
  } catch {
    setToken(null);
    return showLogin(root, () => void boot());
  }
  await startShell(root, me);
}

whenUnauthorized(() => {
  live.stop();
  setToken(null);
  location.hash = '';
  showLogin(root, () => void boot());
});

void boot();
