// Two parts of the incident card that talk to the server on their own: adding a photo
// (the file's bytes as the body of POST /api/incidents/:id/media, with upload
// progress) and merging the incident into another open one of the town nearby
// (POST /api/incidents/:id/actions { action: 'merge', mergeInto }).
import './dispatch.css';
import { uploadRaw } from '../api';
import { h, toast } from '../dom';
import { tr } from '../i18n';
import { OPEN_STATES, type Incident } from '../incidents-store';
import { distanceM } from '../geo/fov';

export interface UploadedMedia {
  id: number;
  kind: string;
  contentType: string;
}

/**
 * The 添加照片 control: a file input (images) that uploads the chosen file, shows its
 * progress and keeps the input disabled meanwhile, then calls `done` with the new
 * media; a refusal shows the server's reason under it. The card keeps one per incident
 * and puts the same element back when it is drawn again, so an upload in flight keeps
 * its progress and its answer; a refusal while the control is off screen (another
 * card open) is said by a toast as well.
 */
export function photoUploader(
  incidentId: number,
  done: (m: UploadedMedia) => void,
): { el: HTMLElement; busy(): boolean } {
  const input = h('input', { type: 'file', accept: 'image/*', id: 'media-file', class: 'visually-hidden' });
  const label = h('label', { class: 'upload-button', id: 'media-add', for: 'media-file' }, tr('添加照片', 'Add photo'));
  const progress = h('progress', { id: 'media-progress', max: 1, value: 0, hidden: true });
  const status = h('span', { id: 'media-status', class: 'muted' });
  const error = h('div', { id: 'media-error', class: 'login-error', hidden: true });
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (!file) return;
    input.disabled = true;
    label.classList.add('disabled');
    label.setAttribute('aria-disabled', 'true');
    error.hidden = true;
    error.textContent = '';
    progress.hidden = false;
    progress.value = 0;
    status.textContent = `${tr('上传中', 'Uploading')} ${file.name}`;
    uploadRaw<UploadedMedia>(`/api/incidents/${incidentId}/media`, file, (f) => {
      progress.value = f;
      status.textContent = `${tr('上传中', 'Uploading')} ${Math.round(f * 100)}%`;
    })
      .then((m) => {
        status.textContent = tr('照片已添加', 'Photo added');
        done(m);
      })
      .catch((err: unknown) => {
        status.textContent = '';
        error.textContent = `${tr('未能添加', 'Not added')}: ${err instanceof Error ? err.message : String(err)}`;
        error.hidden = false;
        if (!el.isConnected) toast(`#${incidentId} ${error.textContent}`, 'error');
      })
      .finally(() => {
        input.disabled = false;
        input.value = '';
        label.classList.remove('disabled');
        label.removeAttribute('aria-disabled');
        progress.hidden = true;
      });
  });
  const el = h('div', { class: 'media-upload' }, label, input, progress, status, error);
  return { el, busy: () => input.disabled };
}

function formatDistance(m: number): string {
  return m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toFixed(m < 10_000 ? 1 : 0)} km`;
}

/** The open incidents of the same town this one could join, nearest first. */
function mergeTargets(source: Incident, all: Incident[], limit = 10): { incident: Incident; distanceM: number }[] {
  return all
    .filter((i) => i.id !== source.id && i.townId === source.townId && OPEN_STATES.includes(i.state))
    .map((i) => ({ incident: i, distanceM: distanceM([source.lon, source.lat], [i.lon, i.lat]) }))
    .sort((a, b) => a.distanceM - b.distanceM || a.incident.id - b.incident.id)
    .slice(0, limit);
}

/** What the picker had open and chosen, kept when a live change redraws the card. */
export interface MergeUiState {
  open: boolean;
  chosen: number | null;
}

/**
 * 合并到…: a button that unfolds the nearest open incidents of the town (subcategory,
 * #id, distance) to choose one, and a confirmation that names both before `merge` is
 * called with the chosen target.
 */
export function mergePicker(
  source: Incident,
  candidates: () => Incident[],
  merge: (targetId: number) => Promise<void>,
  state: MergeUiState,
): { button: HTMLElement; panel: HTMLElement } {
  const panel = h('div', { id: 'merge-box', class: 'merge-box', hidden: true });
  const button = h('button', { 'data-action': 'merge', id: 'merge-open' }, tr('合并到…', 'Merge into…'));

  function fill(): void {
    const targets = mergeTargets(source, candidates());
    if (!targets.some((t) => t.incident.id === state.chosen)) state.chosen = null;
    const confirm = h('button', { class: 'primary', id: 'merge-confirm', disabled: true }, tr('确认合并', 'Merge'));
    const question = h(
      'div',
      { id: 'merge-question', class: 'muted' },
      tr('选择要并入的事件', 'Choose the incident it joins'),
    );
    const ask = (t: Incident) => {
      state.chosen = t.id;
      confirm.disabled = false;
      question.textContent = `${tr('将', 'Merge')} #${source.id} ${tr('合并到', 'into')} ${t.subcategoryName} #${t.id}？ ${tr('合并后本事件不再单独办理。', 'This incident will no longer be handled on its own.')}`;
    };
    const list = h(
      'div',
      { class: 'merge-list', id: 'merge-targets' },
      ...targets.map(({ incident: t, distanceM: d }) =>
        h(
          'label',
          { class: 'merge-target', 'data-merge-target': t.id },
          h('input', {
            type: 'radio',
            name: 'merge-target',
            value: String(t.id),
            checked: t.id === state.chosen,
            onchange: () => ask(t),
          }),
          h('b', {}, t.subcategoryName),
          ` #${t.id}`,
          h('span', { class: 'merge-distance', 'data-distance': Math.round(d) }, formatDistance(d)),
          h('span', { class: 'muted merge-desc' }, t.description.slice(0, 30)),
        ),
      ),
    );
    const kept = targets.find((t) => t.incident.id === state.chosen);
    if (kept) ask(kept.incident);
    confirm.addEventListener('click', () => {
      if (state.chosen === null) return;
      const target = state.chosen;
      confirm.disabled = true;
      button.setAttribute('disabled', '');
      void merge(target).finally(() => {
        confirm.disabled = false;
        button.removeAttribute('disabled');
      });
    });
    const cancel = h(
      'button',
      {
        id: 'merge-cancel',
        onclick: () => {
          panel.hidden = true;
          state.open = false;
          state.chosen = null;
        },
      },
      tr('取消', 'Cancel'),
    );
    panel.replaceChildren(
      h('h3', {}, tr('合并到…', 'Merge into…')),
      targets.length
        ? list
        : h(
            'div',
            { class: 'muted', id: 'merge-none' },
            tr('本镇没有其他未办结事件', 'No other open incident in this town'),
          ),
      question,
      h('div', { class: 'card-actions' }, confirm, cancel),
    );
  }

  button.addEventListener('click', () => {
    if (panel.hidden) fill();
    panel.hidden = !panel.hidden;
    state.open = !panel.hidden;
  });
  if (state.open) {
    fill();
    panel.hidden = false;
  }
  return { button, panel };
}
