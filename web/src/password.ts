// Choosing one's own password: forced after the first login of the first admin (or
// after an admin reset it), or asked for from the top bar. The server keeps this
// session and ends the account's other ones.
import { ApiError, post } from './api';
import { h } from './dom';
import { tr } from './i18n';

export interface PasswordChangeOptions {
  /** The password just typed at the login form, so it is not asked twice. */
  currentPassword?: string;
  /** The server refuses everything else until it is done. */
  forced: boolean;
  onCancel?: () => void;
}

function message(err: unknown): string {
  if (!(err instanceof ApiError)) return tr('无法连接服务器', 'Cannot reach the server');
  switch (err.code) {
    case 'wrong_password':
      return tr('当前密码不正确', 'The current password is wrong');
    case 'same_password':
      return tr('新密码不能与当前密码相同', 'The new password must differ from the current one');
    case 'invalid_input':
      return tr('新密码至少 8 个字符', 'The new password needs at least 8 characters');
    case 'login_throttled':
      return tr('失败次数过多，请稍后再试', 'Too many failed attempts; try again later');
    default:
      return err.message;
  }
}

export function showPasswordChange(root: HTMLElement, options: PasswordChangeOptions, onDone: () => void): void {
  const error = h('div', { class: 'login-error', id: 'password-error', role: 'alert' });
  const current = h('input', {
    id: 'password-current',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const next = h('input', {
    id: 'password-new',
    type: 'password',
    autocomplete: 'new-password',
    required: true,
    minlength: 8,
  });
  const again = h('input', {
    id: 'password-again',
    type: 'password',
    autocomplete: 'new-password',
    required: true,
    minlength: 8,
  });
  const button = h(
    'button',
    { type: 'submit', class: 'primary', id: 'password-submit' },
    tr('设置新密码', 'Set the new password'),
  );
  if (options.currentPassword) current.value = options.currentPassword;
  const form = h(
    'form',
    { class: 'login-card', id: 'password-form' },
    h('h1', {}, '网格天眼'),
    h(
      'p',
      { class: 'muted' },
      options.forced
        ? tr('首次登录：请设置您自己的密码后继续。', 'First login: choose your own password to continue.')
        : tr('修改密码：您在其他设备上的登录将结束。', 'Change password: your sessions on other devices will end.'),
    ),
    options.currentPassword ? null : h('label', {}, tr('当前密码', 'Current password'), current),
    h('label', {}, tr('新密码（至少 8 个字符）', 'New password (8 characters or more)'), next),
    h('label', {}, tr('再次输入新密码', 'New password again'), again),
    button,
    error,
    options.onCancel
      ? h('button', { type: 'button', class: 'link', onclick: options.onCancel }, tr('取消', 'Cancel'))
      : null,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    if (next.value !== again.value) {
      error.textContent = tr('两次输入的新密码不一致', 'The two new passwords differ');
      return;
    }
    button.disabled = true;
    try {
      await post('/api/auth/password', { currentPassword: current.value, newPassword: next.value });
      onDone();
    } catch (err) {
      error.textContent = message(err);
    } finally {
      button.disabled = false;
    }
  });
  root.replaceChildren(h('div', { class: 'login-page' }, form));
  (options.currentPassword ? next : current).focus();
}
