import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { notifyError } from '../notify';
import { IDescribeDataDiff } from '../tokens';
import { formatValue, h, labelled } from './dom';

/**
 * What changed between two snapshots (a main-area tab): rows added, removed and changed (by
 * key columns, which the user can change, or by position), the schema's changes, and per shared
 * column the values changed with examples and the distribution shift.
 */
export class DataDiffView extends Widget {
  constructor(
    found: IDescribeDataDiff,
    reload: (key: string[]) => Promise<IDescribeDataDiff>,
    translator: ITranslator = nullTranslator
  ) {
    super();
    this._trans = translator.load('nbops');
    this._reload = reload;
    this.addClass('nbops-data-diff-view');
    this._show(found);
  }

  private _show(found: IDescribeDataDiff): void {
    const trans = this._trans;
    const node = this.node;
    node.replaceChildren();
    const label = (side: IDescribeDataDiff['a']) =>
      `${side.name} ${side.id.slice(0, 8)}`;
    node.appendChild(
      h('h2', '', trans.__('%1 against %2', label(found.b), label(found.a)))
    );
    node.appendChild(this._keyForm(found.key));
    const summary = node.appendChild(h('ul', 'nbops-data-diff-summary'));
    const add = (kind: string, text: string) =>
      summary.appendChild(h('li', `nbops-data-diff-${kind}`, text));
    add(
      'rows',
      trans.__(
        'rows: %1 → %2: %3 added, %4 removed, %5 of %6 matched rows changed',
        found.a.rows,
        found.b.rows,
        found.rows_added,
        found.rows_removed,
        found.rows_changed,
        found.rows_matched
      )
    );
    if (!found.differs) {
      add('same', trans.__('same content (same fingerprint)'));
      return;
    }
    const schema = [
      ...found.added_columns.map(c => `+${c}`),
      ...found.removed_columns.map(c => `-${c}`),
      ...found.retyped.map(r => `~${r.column} ${r.a} → ${r.b}`)
    ];
    add(
      'schema',
      trans.__(
        'columns: %1',
        schema.join(', ') || trans.__('same names and types')
      )
    );
    node.appendChild(this._columns(found));
  }

  /** The key columns rows are matched by; submitting diffs again with them. */
  private _keyForm(key: string[]): HTMLFormElement {
    const trans = this._trans;
    const form = h('form', 'nbops-data-diff-key');
    const input = h('input', 'jp-mod-styled');
    input.value = key.join(', ');
    input.placeholder = trans.__('by position');
    form.appendChild(
      labelled(
        trans.__('Key columns'),
        input,
        trans.__('Columns naming each row in both, separated by commas')
      )
    );
    form.appendChild(h('button', 'jp-mod-styled', trans.__('Diff')));
    form.onsubmit = async event => {
      event.preventDefault();
      const columns = input.value
        .split(',')
        .map(c => c.trim())
        .filter(c => c);
      try {
        this._show(await this._reload(columns));
      } catch (error) {
        notifyError(trans.__('Cannot diff the snapshots'), error, this._trans);
      }
    };
    return form;
  }

  /** One row per shared column: values changed, examples, distribution shift. */
  private _columns(found: IDescribeDataDiff): HTMLTableElement {
    const trans = this._trans;
    const table = h('table', 'nbops-compare nbops-data-diff-columns');
    const head = table.createTHead().insertRow();
    for (const title of [
      trans.__('column'),
      trans.__('rows changed'),
      trans.__('examples'),
      trans.__('PSI')
    ]) {
      head.appendChild(h('th', '', title));
    }
    const drift = new Map(found.drift.map(d => [d.column, d]));
    const body = table.createTBody();
    for (const column of found.columns) {
      const shift = drift.get(column.column);
      const row = body.insertRow();
      row.dataset.column = column.column;
      row.classList.toggle('nbops-mod-differs', column.changed > 0);
      row.classList.toggle('nbops-mod-drifted', shift?.drifted ?? false);
      row.appendChild(h('th', '', column.column));
      row.insertCell().textContent = String(column.changed);
      const examples = row.insertCell();
      for (const example of column.examples) {
        const where = Object.entries(example.key)
          .map(([k, v]) => `${k}=${shown(v)}`)
          .join(', ');
        examples.appendChild(
          h(
            'div',
            'nbops-data-diff-example',
            `${where}: ${shown(example.a)} → ${shown(example.b)}`
          )
        );
      }
      row.insertCell().textContent =
        shift?.psi === null || shift === undefined
          ? ''
          : formatValue(shift.psi) + (shift.drifted ? ' ⚠' : '');
    }
    return table;
  }

  private _reload: (key: string[]) => Promise<IDescribeDataDiff>;
  private _trans: ReturnType<ITranslator['load']>;
}

/** A value of a row as the terminal's diff shows it: strings quoted, a missing value `null`. */
function shown(value: unknown): string {
  if (value === null || value === undefined) {
    return 'null';
  }
  return typeof value === 'string' ? JSON.stringify(value) : formatValue(value);
}
