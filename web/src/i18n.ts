// zh-CN first, English second: every label is written as a pair where it is used,
// so a reader sees both and nothing hides in a key file. Switching reloads the app.
export type Lang = 'zh' | 'en';

export const lang: Lang = localStorage.getItem('wg.lang') === 'en' ? 'en' : 'zh';

export function tr(zh: string, en: string): string {
  return lang === 'en' ? en : zh;
}

export function setLang(next: Lang): void {
  localStorage.setItem('wg.lang', next);
  location.reload();
}
