import { IDescribeLineage } from '../tokens';
import { LineageView, referenceOf } from '../widgets/lineageView';

const RUN = 'run:' + 'a'.repeat(32);
const SNAPSHOT = 'snapshot:' + 'b'.repeat(32);
const MODEL = 'model:m/1';

function graph(centre: string): IDescribeLineage {
  return {
    centre,
    nodes: [
      {
        key: RUN,
        kind: 'run',
        label: 'train (aaaaaaaa)',
        details: { run_id: 'a'.repeat(32) }
      },
      {
        key: SNAPSHOT,
        kind: 'snapshot',
        label: 'raw@2',
        details: { id: 'b'.repeat(32), name: 'raw', version: 2 }
      },
      {
        key: MODEL,
        kind: 'model',
        label: 'm v1',
        details: { model: 'm', version: '1' }
      }
    ],
    edges: [
      { source: SNAPSHOT, target: RUN, relation: 'read' },
      { source: RUN, target: MODEL, relation: 'registered' }
    ],
    mermaid: 'flowchart LR'
  };
}

describe('LineageView', () => {
  it('lists where the centre came from and what it led to; a node re-centres it', async () => {
    const asked: string[] = [];
    const view = new LineageView(
      graph(RUN),
      async reference => {
        asked.push(reference);
        return graph(SNAPSHOT);
      },
      null
    );
    const text = (selector: string) =>
      Array.from(view.node.querySelectorAll(selector)).map(n => n.textContent);
    expect(text('h2')).toEqual(['Lineage of train (aaaaaaaa)']);
    expect(text('h3')).toEqual(['Came from', 'Led to']);
    expect(text('.nbops-lineage-snapshot')).toEqual(['readraw@2']);
    expect(text('.nbops-lineage-model')).toEqual(['registeredm v1']);
    view.node
      .querySelector<HTMLButtonElement>('.nbops-lineage-snapshot button')!
      .click();
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(asked).toEqual(['raw@2']);
    expect(view.lineage.centre).toBe(SNAPSHOT);
    expect(text('h2')).toEqual(['Lineage of raw@2']);
    expect(text('h3')).toEqual(['Led to', 'Further']);
  });

  it('asks for a run by id, a snapshot by version and a model by version', () => {
    const [run, snapshot, model] = graph(RUN).nodes;
    expect([
      referenceOf(run),
      referenceOf(snapshot),
      referenceOf(model)
    ]).toEqual(['a'.repeat(32), 'raw@2', 'm/1']);
  });
});
