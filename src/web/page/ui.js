// Dialogs and notices shared by the tabs.
import { h, fill } from './dom.js';

/**
 * A modal dialog with a form; resolves with the submit's result, or null when cancelled
 * (Cancel, Escape). `onSubmit` may throw to keep the dialog open with its message shown
 * (bad JSON, a refused action), so the operator can correct and try again.
 */
export function ask({ title, fields = [], confirm, danger = false, onSubmit }) {
  const dialog = document.getElementById('dialog');
  const message = h('p', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: danger ? 'danger' : 'primary' }, confirm);
  const cancel = h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel');
  const form = h(
    'form',
    { method: 'dialog' },
    h('h2', null, title),
    fields,
    message,
    h('div', { class: 'dialog-buttons' }, cancel, submit),
  );
  fill(dialog, form);
  return new Promise((resolve) => {
    let result = null;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      message.textContent = '';
      submit.disabled = true;
      try {
        result = (await onSubmit?.()) ?? true;
        dialog.close();
      } catch (error) {
        message.textContent = error.message;
      } finally {
        submit.disabled = false;
      }
    });
    dialog.addEventListener('close', () => resolve(result), { once: true });
    dialog.showModal();
    (form.querySelector('textarea, input') ?? submit).focus();
  });
}

/** A yes/no question for actions that cannot be undone. */
export function confirmAction(title, confirm, onSubmit) {
  return ask({ title, confirm, danger: true, onSubmit });
}

/** A notice at the bottom of the page; errors stay until closed, the rest fade. */
export function notify(text, { error = false, link } = {}) {
  const region = document.getElementById('notices');
  const close = h('button', { type: 'button', class: 'link', 'aria-label': 'Dismiss' }, '×');
  const note = h(
    'div',
    { class: `notice ${error ? 'bad' : 'ok'}`, role: error ? 'alert' : 'status' },
    h('span', null, text),
    link ? h('a', { href: link.href }, link.text) : null,
    close,
  );
  close.addEventListener('click', () => note.remove());
  region.append(note);
  if (!error) setTimeout(() => note.remove(), 6000);
  return note;
}

/** Runs an action from a button: the button waits, a refusal is said in the API's words. */
export async function act(button, action, success) {
  button.disabled = true;
  try {
    const result = await action();
    if (success) notify(typeof success === 'function' ? success(result) : success);
    return result;
  } catch (error) {
    notify(error.message, { error: true });
    return undefined;
  } finally {
    button.disabled = false;
  }
}
