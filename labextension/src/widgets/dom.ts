/**
 * Small DOM helpers shared by the nbops widgets.
 */

/** Create an element with a class and optional text. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text = ''
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

/** A form field: `title` above `input`, with an optional line of help below. */
export function labelled(
  title: string,
  input: HTMLElement,
  help = ''
): HTMLLabelElement {
  const label = h('label', 'nbops-field');
  label.appendChild(h('span', 'nbops-field-name', title));
  label.appendChild(input);
  if (help) {
    label.appendChild(h('span', 'nbops-field-help', help));
  }
  return label;
}

/** A time (ms since the epoch): the time alone when it is today. */
export function formatTime(ms: number | null): string {
  if (!ms) {
    return '';
  }
  const date = new Date(ms);
  const today = new Date().toDateString() === date.toDateString();
  return today ? date.toLocaleTimeString() : date.toLocaleString();
}

/** A duration in ms; an ellipsis while the run is still going. */
export function formatDuration(ms: number | null): string {
  if (ms === null) {
    return '…';
  }
  return ms < 60000
    ? `${(ms / 1000).toFixed(1)} s`
    : `${(ms / 60000).toFixed(1)} min`;
}

/** A metric value with four significant digits. */
export function formatValue(value: unknown): string {
  if (typeof value === 'number') {
    return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  }
  return value === null || value === undefined ? '' : String(value);
}
