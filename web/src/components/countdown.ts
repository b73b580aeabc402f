// A deadline's remaining time as the command room reads it (天/时, or h:mm:ss), late when past.
import { tr } from '../i18n';

export function countdownText(ms: number): string {
  const late = ms < 0;
  const s = Math.abs(Math.round(ms / 1000));
  const d = Math.floor(s / 86400);
  const hh = Math.floor((s % 86400) / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const text =
    d > 0
      ? `${d}${tr('天', 'd')}${hh}${tr('时', 'h')}`
      : `${hh}:${String(mm).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  return late ? `${tr('超时', 'late')} ${text}` : text;
}
