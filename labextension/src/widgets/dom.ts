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
    if (Number.isInteger(value) || !Number.isFinite(value)) {
      return String(value);
    }
    // six significant digits, without the trailing zeros toPrecision keeps
    return String(Number(value.toPrecision(6)));
  }
  return value === null || value === undefined ? '' : String(value);
}

/** A value exactly as recorded, for a tooltip beside its shortened form. */
export function fullValue(value: unknown): string {
  if (value === null || value === undefined) {
    return '';
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** A number of bytes for people, in binary units: `23.5 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let size = bytes;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${size} B` : `${size.toFixed(1)} ${units[unit]}`;
}

/** An environment field's value for the sidebar: sizes with units, lists joined. */
export function formatEnvironmentValue(key: string, value: unknown): string {
  if (typeof value === 'number' && key.endsWith('_bytes')) {
    return formatBytes(value);
  }
  if (Array.isArray(value)) {
    return value.map(String).join(', ');
  }
  if (key === 'git_commit' || key === 'code_hash') {
    return String(value).slice(0, 12);
  }
  return fullValue(value);
}
