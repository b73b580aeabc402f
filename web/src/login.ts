// The login form: the server answers a bearer token kept in localStorage.
import { api, ApiError, setToken } from './api';
import { h } from './dom';
import { lang, setLang, tr } from './i18n';
import { showPasswordChange } from './password';

/** What the login form says when the server refuses. */
function refusal(err: unknown): string {
  if (!(err instanceof ApiError)) return tr('无法连接服务器', 'Cannot reach the server');
  if (err.status === 429) {
    const minutes = Math.max(
      1,
      Math.ceil(Number((err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds ?? 60) / 60),
    );
    return tr(`登录失败次数过多，请 ${minutes} 分钟后再试`, `Too many failed logins; try again in ${minutes} min`);
  }
  if (err.status === 503) return tr('服务器繁忙，请稍后再试', 'The server is busy; try again in a moment');
  if (err.status === 401 || err.status === 400) return tr('用户名或密码不正确', 'Wrong username or password');
  return tr('无法连接服务器', 'Cannot reach the server');
}

export function showLogin(root: HTMLElement, onLoggedIn: () => void): void {
  const error = h('div', { class: 'login-error', id: 'login-error', role: 'alert' });
  const username = h('input', {
    id: 'login-username',
    name: 'username',
    autocomplete: 'username',
    required: true,
    autofocus: true,
  });
  const password = h('input', {
    id: 'login-password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const button = h('button', { type: 'submit', class: 'primary', id: 'login-submit' }, tr('登录', 'Log in'));
  const form = h(
    'form',
    { class: 'login-card' },
    h('h1', {}, '网格天眼'),
    h(
      'p',
      { class: 'muted' },
      tr('镇综合信息指挥室', 'Town command room'),
      ' · ',
      h('span', { lang: 'en' }, 'Welcome'),
    ),
    h('label', {}, tr('用户名', 'Username'), username),
    h('label', {}, tr('密码', 'Password'), password),
    button,
    error,
    h(
      'button',
      { type: 'button', class: 'link', onclick: () => setLang(lang === 'zh' ? 'en' : 'zh') },
      lang === 'zh' ? 'English' : '中文',
    ),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    button.disabled = true;
    try {
      const res = await api.post('/api/auth/login', {
        body: { username: username.value.trim(), password: password.value },
      });
      setToken(res.token);
      if (res.mustChangePassword)
        showPasswordChange(root, { currentPassword: password.value, forced: true }, onLoggedIn);
      else onLoggedIn();
    } catch (err) {
      error.textContent = refusal(err);
    } finally {
      button.disabled = false;
    }
  });
  root.replaceChildren(h('div', { class: 'login-page' }, form));
  username.focus();
}
