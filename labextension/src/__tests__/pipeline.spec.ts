import { IDescribePipeline } from '../tokens';
import {
  coloured,
  parseOverrides,
  PipelineView
} from '../widgets/pipelineView';
import { fakeServer } from './fakeServer';

function pipeline(status: string, runningHere = false): IDescribePipeline {
  const last = {
    run_id: 'b'.repeat(32),
    seconds: 2.5,
    error: null,
    inputs: {},
    outputs: {}
  };
  return {
    name: 'flow',
    mermaid:
      'flowchart LR\n    first[first]\n    second[second]\n    first -->|xs| second',
    running_here: runningHere,
    executor: 'local',
    executors: ['dask', 'local'],
    last_run: { run_id: 'a'.repeat(32), status, start_time: 1, seconds: null },
    steps: [
      {
        name: 'first',
        target: 'first.ipynb',
        upstream: [],
        inputs: [],
        outputs: ['xs'],
        parameters: {},
        last: { ...last, status: 'FINISHED', outputs: { xs: 'c'.repeat(32) } }
      },
      {
        name: 'second',
        target: 'second.ipynb',
        upstream: ['first'],
        inputs: ['xs'],
        outputs: [],
        parameters: {},
        last: { ...last, status }
      }
    ]
  };
}

describe('PipelineView', () => {
  it('colours each step by its status and reads STEP.NAME=VALUE lines', () => {
    const text = coloured(pipeline('FAILED'));
    expect(text).toContain('style first fill:#c8e6c9');
    expect(text).toContain('style second fill:#ffcdd2');
    expect(parseOverrides('train.alpha = 0.5\n\nsecond.fail=true')).toEqual({
      'train.alpha': '0.5',
      'second.fail': 'true'
    });
    expect(() => parseOverrides('alpha')).toThrow(
      '"alpha" is not STEP.NAME=VALUE.'
    );
  });

  it('follows a running pipeline until it ends; a report opens by run', async () => {
    const answers = [
      pipeline('RUNNING', true),
      pipeline('RUNNING'),
      pipeline('FINISHED')
    ];
    const { settings, urls } = fakeServer(() => ({
      status: 200,
      body: JSON.stringify(answers.length > 1 ? answers.shift() : answers[0])
    }));
    const opened: string[] = [];
    const view = new PipelineView('flow/pipeline.yaml', settings, null, {
      openReport: id => opened.push(id),
      openLineage: id => opened.push(`lineage ${id}`)
    });
    await view.load();
    expect(view.pipeline?.last_run?.status).toBe('FINISHED');
    expect(
      urls.every(u => u.includes('pipeline?path=flow%2Fpipeline.yaml'))
    ).toBe(true);
    expect(urls.length).toBe(3);
    const rows = view.node.querySelectorAll('tr[data-step]');
    expect(
      Array.from(rows).map(r => (r as HTMLElement).dataset.status)
    ).toEqual(['FINISHED', 'FINISHED']);
    view.node
      .querySelector<HTMLButtonElement>('.nbops-pipeline-report')!
      .click();
    expect(opened).toEqual(['b'.repeat(32)]);
    // the snapshot the last run wrote: its id shown, its lineage on a click
    const xs = view.node.querySelector<HTMLButtonElement>(
      'tr[data-step="first"] .nbops-pipeline-snapshot'
    )!;
    expect(xs.dataset.snapshotId).toBe('c'.repeat(32));
    expect(xs.textContent).toBe(`xs ${'c'.repeat(8)}`);
    xs.click();
    expect(opened).toContain(`lineage ${'c'.repeat(32)}`);
    const executor = view.node.querySelector<HTMLSelectElement>(
      '.nbops-pipeline-executor'
    )!;
    expect(Array.from(executor.options).map(o => o.value)).toEqual([
      'dask',
      'local'
    ]);
    expect(executor.value).toBe('local');
  });

  it('shows why a file does not validate, in place', async () => {
    const { settings } = fakeServer(() => ({
      status: 400,
      body: '{"message": "pipeline.yaml: unknown keys [\'colour\']."}'
    }));
    const view = new PipelineView('pipeline.yaml', settings, null, {
      openReport: () => undefined
    });
    await view.load();
    expect(view.pipeline).toBeNull();
    expect(
      view.node.querySelector('.nbops-pipeline-error')!.textContent
    ).toContain("unknown keys ['colour']");
  });
});
