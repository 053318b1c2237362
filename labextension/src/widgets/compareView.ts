import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Panel, Widget } from '@lumino/widgets';

import { IChart, ICompareRow, IDescribeComparison } from '../tokens';
import { notifyError } from '../notify';
import { formatValue, h } from './dom';

/** The mime type of JupyterLab's Vega-Lite renderer, which draws the server's charts. */
export const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';

/**
 * Render the server's charts (Vega-Lite specifications) with JupyterLab's own renderer, each in
 * a figure with its title; without that renderer, say so rather than draw something else.
 */
export function chartsWidget(
  charts: IChart[],
  rendermime: IRenderMimeRegistry | null,
  translator: ITranslator = nullTranslator
): Widget {
  const trans = translator.load('nbops');
  const panel = new Panel();
  panel.addClass('nbops-charts');
  const available =
    rendermime?.preferredMimeType({ [VEGALITE_MIME]: {} }, 'any') ===
    VEGALITE_MIME;
  if (!rendermime || !available) {
    panel.addWidget(
      new Widget({
        node: h(
          'p',
          'nbops-message nbops-mod-error',
          trans.__(
            "The charts need JupyterLab's Vega-Lite renderer (@jupyterlab/vega5-extension), which is disabled."
          )
        )
      })
    );
    return panel;
  }
  for (const chart of charts) {
    const figure = new Panel();
    figure.addClass('nbops-chart-box');
    figure.addWidget(new Widget({ node: h('figcaption', '', chart.title) }));
    const renderer = rendermime.createRenderer(VEGALITE_MIME);
    renderer.addClass('nbops-chart');
    void renderer.renderModel(
      new MimeModel({
        data: { [VEGALITE_MIME]: chart.spec },
        // SVG, not canvas: text stays text (axes, legends), sharp at any zoom
        metadata: { [VEGALITE_MIME]: { embed_options: { renderer: 'svg' } } },
        trusted: true
      })
    );
    figure.addWidget(renderer);
    panel.addWidget(figure);
  }
  return panel;
}

/**
 * The compare view (a main-area tab): params and metrics side by side with differences
 * highlighted, charts (metric history, sweep views) drawn by JupyterLab's Vega-Lite renderer,
 * environment and data differences, code diff per cell.
 */
export class CompareView extends Panel {
  constructor(
    comparison: IDescribeComparison,
    translator: ITranslator = nullTranslator,
    rendermime: IRenderMimeRegistry | null = null,
    reload: ((by: string) => Promise<IDescribeComparison>) | null = null
  ) {
    super();
    this._trans = translator.load('nbops');
    this.addClass('nbops-compare-view');
    const c = comparison;
    const trans = this._trans;
    const names = c.runs.map(r => r.name || r.run_id.slice(0, 8));
    this._part = new Widget();
    this.addWidget(this._part);
    this._part.node.appendChild(
      h('h2', '', trans.__('Compare %1 runs', c.runs.length))
    );
    this._summary(c, names);
    this._table(trans.__('Parameters'), names, c.params, 'params');
    this._table(trans.__('Metrics'), names, c.metrics, 'metrics');
    if (c.charts.length) {
      this._part.node.appendChild(h('h3', '', trans.__('Charts')));
      let charts = chartsWidget(c.charts, rendermime, translator);
      if (reload) {
        const axis = h('select', 'jp-mod-styled nbops-axis');
        axis.setAttribute('aria-label', trans.__("The histories' axis"));
        for (const [value, label] of [
          ['step', trans.__('by step')],
          ['time', trans.__('by time')]
        ]) {
          const option = axis.appendChild(h('option', '', label));
          option.value = value;
        }
        axis.onchange = async () => {
          try {
            const next = await reload(axis.value);
            const index = this.widgets.indexOf(charts);
            charts.dispose();
            charts = chartsWidget(next.charts, rendermime, translator);
            this.insertWidget(index, charts);
          } catch (error) {
            notifyError(trans.__('Cannot chart the runs'), error, trans);
          }
        };
        this._part.node.appendChild(axis);
      }
      this.addWidget(charts);
    }
    this._part = new Widget();
    this.addWidget(this._part);
    this._table(trans.__('Data'), names, c.data, 'data');
    this._rest(c, names);
  }

  /** What changed against the first run, and what the metrics' change comes with. */
  private _summary(c: IDescribeComparison, names: string[]): void {
    const node = this._part.node;
    if (!c.summary?.length) {
      return;
    }
    node.appendChild(h('h3', '', this._trans.__('What changed')));
    for (const found of c.summary) {
      const index = c.runs.findIndex(r => r.run_id === found.run_id);
      const title = this._trans.__(
        '%1 against %2',
        names[index] ?? '',
        names[0]
      );
      node.appendChild(h('div', 'nbops-subtitle', title));
      const list = node.appendChild(h('ul', 'nbops-compare-summary'));
      found.lines.forEach((line, i) => {
        const last =
          i === found.lines.length - 1 && line.startsWith('the metric');
        const unchanged = /: (unchanged|same content)$/.test(line);
        const item = h('li', last ? 'nbops-mod-explains' : '', line);
        item.classList.toggle('nbops-mod-unchanged', unchanged);
        list.appendChild(item);
      });
    }
  }

  /** The environment and code differences against the first run. */
  private _rest(c: IDescribeComparison, names: string[]): void {
    const trans = this._trans;
    const node = this._part.node;
    node.appendChild(h('h3', '', trans.__('Environment')));
    for (const env of c.environment) {
      const title = trans.__('%1 against %2', env.run_id.slice(0, 8), names[0]);
      node.appendChild(h('div', 'nbops-subtitle', title));
      node.appendChild(
        h(
          'pre',
          'nbops-diff',
          env.lines.join('\n') || trans.__('No differences.')
        )
      );
    }
    node.appendChild(h('h3', '', trans.__('Code')));
    for (const code of c.code) {
      const title = trans.__(
        '%1 against %2',
        code.run_id.slice(0, 8),
        names[0]
      );
      node.appendChild(h('div', 'nbops-subtitle', title));
      if (code.changes.length === 0) {
        node.appendChild(h('p', 'nbops-message', trans.__('Same code.')));
      }
      for (const change of code.changes) {
        const pre = h('pre', 'nbops-diff nbops-code-diff');
        for (const line of change.diff.split('\n')) {
          const kind = line.startsWith('+')
            ? 'add'
            : line.startsWith('-')
              ? 'del'
              : 'ctx';
          pre.appendChild(h('div', `nbops-diff-${kind}`, line));
        }
        node.appendChild(pre);
      }
    }
  }

  private _table(
    title: string,
    names: string[],
    rows: ICompareRow[],
    key: string
  ): void {
    this._part.node.appendChild(h('h3', '', title));
    if (rows.length === 0) {
      this._part.node.appendChild(
        h('p', 'nbops-message', this._trans.__('None.'))
      );
      return;
    }
    const table = h('table', `nbops-compare nbops-compare-${key}`);
    const head = table.createTHead().insertRow();
    head.appendChild(h('th', '', ''));
    names.forEach(name => head.appendChild(h('th', '', name)));
    const body = table.createTBody();
    for (const row of rows) {
      const tr = body.insertRow();
      tr.classList.toggle('nbops-mod-differs', row.differs);
      tr.appendChild(h('th', '', row.name));
      row.values.forEach(
        value => (tr.insertCell().textContent = formatValue(value))
      );
    }
    this._part.node.appendChild(table);
  }

  private _part: Widget;
  private _trans: ReturnType<ITranslator['load']>;
}
