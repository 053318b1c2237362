import { buildTree, PARENT_TAG, runKind } from '../runTree';
import { fakeRun } from './fakeServer';

/** A run whose id is its name, as the parent tags below name them. */
const run = (id: string, tags: Record<string, string> = {}) => ({
  ...fakeRun(id, {}, tags),
  run_id: id
});

describe('runKind', () => {
  it('reads the kind from the tags nbops writes', () => {
    expect(runKind(run('a'))).toBe('interactive');
    expect(runKind(run('a', { 'nbops.run_kind': 'sweep' }))).toBe('sweep');
    expect(runKind(run('a', { 'nbops.run_kind': 'job' }))).toBe('job');
    expect(
      runKind(
        run('a', { 'nbops.run_kind': 'headless', 'nbops.sweep_index': '3' })
      )
    ).toBe('trial');
    expect(
      runKind(
        run('a', { 'nbops.run_kind': 'headless', 'nbops.pipeline_step': 'x' })
      )
    ).toBe('step');
    expect(runKind(run('a', { 'nbops.run_kind': 'unknown' }))).toBe(
      'interactive'
    );
  });
});

describe('buildTree', () => {
  it('nests trials under their sweep where the first of them stands', () => {
    const sweep = run('s', { 'nbops.run_kind': 'sweep' });
    const trial = (id: string) =>
      run(id, { [PARENT_TAG]: 's', 'nbops.sweep_index': id });
    const tree = buildTree([trial('t2'), run('x'), trial('t1'), sweep]);
    expect(tree.map(n => n.run.run_id)).toEqual(['s', 'x']);
    expect(tree[0].kind).toBe('sweep');
    expect(tree[0].own).toBe(true);
    expect(tree[0].children.map(n => n.run.run_id)).toEqual(['t2', 't1']);
    expect(tree[0].children.every(n => n.kind === 'trial')).toBe(true);
  });

  it('groups steps under a parent that came from outside the page', () => {
    const pipeline = run('p', { 'nbops.run_kind': 'pipeline' });
    const step = run('st', {
      [PARENT_TAG]: 'p',
      'nbops.pipeline_step': 'train'
    });
    const tree = buildTree([run('a'), step], [pipeline]);
    expect(tree.map(n => n.run.run_id)).toEqual(['a', 'p']);
    expect(tree[1].own).toBe(false);
    expect(tree[1].children.map(n => n.kind)).toEqual(['step']);
  });

  it('keeps a run whose parent is unknown at the top level', () => {
    const orphan = run('o', { [PARENT_TAG]: 'gone' });
    const tree = buildTree([orphan]);
    expect(tree.map(n => n.run.run_id)).toEqual(['o']);
    expect(tree[0].children).toEqual([]);
  });
});
