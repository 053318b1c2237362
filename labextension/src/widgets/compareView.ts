import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { ICompareRow, IDescribeComparison, IMetricPoint } from '../tokens';
import { formatValue, h } from './dom';

const SVG = 'http://www.w3.org/2000/svg';
const COLORS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b'
];

/** A line chart (inline SVG) of one metric's history in each run. */
function chart(
  series: IMetricPoint[][],
  width = 260,
  height = 90
): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'nbops-chart');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const points = ([] as IMetricPoint[]).concat(...series);
  const xs = points.map(p => p.step);
  const ys = points.map(p => p.value);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const sx = (x: number) =>
    x1 === x0 ? width / 2 : ((x - x0) / (x1 - x0)) * (width - 8) + 4;
  const sy = (y: number) =>
    y1 === y0 ? height / 2 : height - 4 - ((y - y0) / (y1 - y0)) * (height - 8);
  series.forEach((line, i) => {
    const color = COLORS[i % COLORS.length];
    if (line.length === 1) {
      const dot = document.createElementNS(SVG, 'circle');
      dot.setAttribute('cx', String(sx(line[0].step)));
      dot.setAttribute('cy', String(sy(line[0].value)));
      dot.setAttribute('r', '3');
      dot.setAttribute('fill', color);
      svg.appendChild(dot);
      return;
    }
    const path = document.createElementNS(SVG, 'polyline');
    path.setAttribute(
      'points',
      line.map(p => `${sx(p.step)},${sy(p.value)}`).join(' ')
    );
    path.setAttribute('fill', 'none');
    path.setAttribute('stroke', color);
    path.setAttribute('stroke-width', '1.5');
    svg.appendChild(path);
  });
  return svg;
}

/**
 * The compare view (a main-area tab): params and metrics side by side with differences
 * highlighted, metric history charts, environment and data differences, code diff per cell.
 */
export class CompareView extends Widget {
  constructor(
    comparison: IDescribeComparison,
    translator: ITranslator = nullTranslator
  ) {
    super();
    this._trans = translator.load('nbops');
    this.addClass('nbops-compare-view');
    this._render(comparison);
  }

  private _render(c: IDescribeComparison): void {
    const trans = this._trans;
    const names = c.runs.map(r => r.name || r.run_id.slice(0, 8));
    this.node.appendChild(
      h('h2', '', trans.__('Compare %1 runs', c.runs.length))
    );
    const legend = h('div', 'nbops-legend');
    names.forEach((name, i) => {
      const item = h('span', 'nbops-legend-item', name);
      item.style.borderColor = COLORS[i % COLORS.length];
      legend.appendChild(item);
    });
    this.node.appendChild(legend);
    this._table(trans.__('Parameters'), names, c.params, 'params');
    this._table(trans.__('Metrics'), names, c.metrics, 'metrics');
    this._charts(c);
    this._table(trans.__('Data'), names, c.data, 'data');
    this.node.appendChild(h('h3', '', trans.__('Environment')));
    for (const env of c.environment) {
      const title = trans.__('%1 against %2', env.run_id.slice(0, 8), names[0]);
      this.node.appendChild(h('div', 'nbops-subtitle', title));
      this.node.appendChild(
        h(
          'pre',
          'nbops-diff',
          env.lines.join('\n') || trans.__('No differences.')
        )
      );
    }
    this.node.appendChild(h('h3', '', trans.__('Code')));
    for (const code of c.code) {
      const title = trans.__(
        '%1 against %2',
        code.run_id.slice(0, 8),
        names[0]
      );
      this.node.appendChild(h('div', 'nbops-subtitle', title));
      if (code.changes.length === 0) {
        this.node.appendChild(h('p', 'nbops-message', trans.__('Same code.')));
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
        this.node.appendChild(pre);
      }
    }
  }

  private _table(
    title: string,
    names: string[],
    rows: ICompareRow[],
    key: string
  ): void {
    this.node.appendChild(h('h3', '', title));
    if (rows.length === 0) {
      this.node.appendChild(h('p', 'nbops-message', this._trans.__('None.')));
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
    this.node.appendChild(table);
  }

  private _charts(c: IDescribeComparison): void {
    const keys = new Set<string>();
    Object.values(c.history).forEach(history =>
      Object.keys(history).forEach(key => keys.add(key))
    );
    if (keys.size === 0) {
      return;
    }
    this.node.appendChild(h('h3', '', this._trans.__('Metric history')));
    const grid = h('div', 'nbops-charts');
    for (const key of [...keys].sort()) {
      const box = h('figure', 'nbops-chart-box');
      box.appendChild(h('figcaption', '', key));
      box.appendChild(chart(c.runs.map(r => c.history[r.run_id]?.[key] ?? [])));
      grid.appendChild(box);
    }
    this.node.appendChild(grid);
  }

  private _trans: ReturnType<ITranslator['load']>;
}
