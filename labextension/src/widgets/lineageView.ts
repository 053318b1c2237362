import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Panel, Widget } from '@lumino/widgets';

import { notifyError } from '../notify';
import { IDescribeLineage, ILineageNode } from '../tokens';
import { h } from './dom';

/** The mime type of JupyterLab's Mermaid renderer, which draws the lineage graph. */
export const MERMAID_MIME = 'text/vnd.mermaid';

/**
 * Mermaid text drawn by JupyterLab's own Mermaid renderer (untrusted: no script, no link), or
 * null when the lab has none.
 */
export function mermaidWidget(
  rendermime: IRenderMimeRegistry | null,
  mermaid: string
): Widget | null {
  if (
    rendermime?.preferredMimeType({ [MERMAID_MIME]: '' }, 'any') !==
    MERMAID_MIME
  ) {
    return null;
  }
  const renderer = rendermime.createRenderer(MERMAID_MIME);
  void renderer.renderModel(
    new MimeModel({ data: { [MERMAID_MIME]: mermaid }, trusted: false })
  );
  return renderer;
}

/** What to ask the server for to centre the graph on `node`. */
export function referenceOf(node: ILineageNode): string {
  const details = node.details as Record<string, string | number | null>;
  if (node.kind === 'snapshot') {
    return details.version
      ? `${details.name}@${details.version}`
      : String(details.id);
  }
  if (node.kind === 'model') {
    return `${details.model}/${details.version}`;
  }
  return String(details.run_id);
}

/**
 * The lineage of a run, a snapshot or a model version (a main-area tab): where it came from and
 * what it led to, as lists of nodes, each a button that centres the graph on it, and the graph
 * drawn by JupyterLab's Mermaid renderer when it has one.
 */
export class LineageView extends Panel {
  constructor(
    found: IDescribeLineage,
    private readonly _load: (reference: string) => Promise<IDescribeLineage>,
    private readonly _rendermime: IRenderMimeRegistry | null,
    translator: ITranslator = nullTranslator
  ) {
    super();
    this._trans = translator.load('nbops');
    this.addClass('nbops-lineage-view');
    this._show(found);
  }

  /** The graph shown now. */
  get lineage(): IDescribeLineage {
    return this._found;
  }

  private _show(found: IDescribeLineage): void {
    this._found = found;
    const trans = this._trans;
    while (this.widgets.length) {
      this.widgets[0].dispose();
    }
    const nodes = new Map(found.nodes.map(n => [n.key, n]));
    const centre = nodes.get(found.centre)!;
    const part = new Widget({ node: h('div', 'nbops-lineage-lists') });
    part.node.appendChild(
      h('h2', 'nbops-lineage-centre', trans.__('Lineage of %1', centre.label))
    );
    const before = found.edges.filter(e => e.target === found.centre);
    const after = found.edges.filter(e => e.source === found.centre);
    const further = found.nodes.filter(
      n =>
        n.key !== found.centre &&
        ![...before, ...after].some(
          e => e.source === n.key || e.target === n.key
        )
    );
    this._list(
      part.node,
      trans.__('Came from'),
      before.map(e => [nodes.get(e.source)!, e.relation])
    );
    this._list(
      part.node,
      trans.__('Led to'),
      after.map(e => [nodes.get(e.target)!, e.relation])
    );
    this._list(
      part.node,
      trans.__('Further'),
      further.map(n => [n, ''])
    );
    this.addWidget(part);
    const graph = mermaidWidget(this._rendermime, found.mermaid);
    if (graph) {
      graph.addClass('nbops-lineage-graph');
      this.addWidget(graph);
    }
  }

  /** A titled list of nodes, each a button centring the graph on it. */
  private _list(
    parent: HTMLElement,
    title: string,
    items: [ILineageNode, string][]
  ): void {
    if (!items.length) {
      return;
    }
    parent.appendChild(h('h3', '', title));
    const list = parent.appendChild(h('ul', 'nbops-lineage-nodes'));
    for (const [node, relation] of items) {
      const item = list.appendChild(h('li', `nbops-lineage-${node.kind}`));
      item.dataset.key = node.key;
      if (relation) {
        item.appendChild(h('span', 'nbops-lineage-relation', relation));
      }
      const button = item.appendChild(
        h('button', 'jp-mod-styled nbops-lineage-node', node.label)
      );
      button.title = this._trans.__('Centre the lineage on %1', node.label);
      button.onclick = () => void this._centre(node);
    }
  }

  private async _centre(node: ILineageNode): Promise<void> {
    try {
      this._show(await this._load(referenceOf(node)));
    } catch (error) {
      notifyError(
        this._trans.__('Cannot show the lineage'),
        error,
        this._trans
      );
    }
  }

  private _found!: IDescribeLineage;
  private _trans;
}
