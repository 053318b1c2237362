import { IRun } from './tokens';

/** MLflow's tag naming a child run's parent. */
export const PARENT_TAG = 'mlflow.parentRunId';

/** What kind of run a run is, as its badge says. */
export type RunKind =
  | 'interactive'
  | 'headless'
  | 'job'
  | 'sweep'
  | 'trial'
  | 'pipeline'
  | 'step'
  | 'reproduction'
  | 'monitor'
  | 'evaluation';

/** One row of the nested runs table: a run and the runs nested under it. */
export interface IRunNode {
  run: IRun;
  kind: RunKind;
  /** Whether the run itself is of the notebook (a pipeline parent that ran others is not). */
  own: boolean;
  children: IRunNode[];
}

const KINDS: Record<string, RunKind> = {
  headless: 'headless',
  job: 'job',
  sweep: 'sweep',
  pipeline: 'pipeline',
  reproduction: 'reproduction',
  monitor: 'monitor',
  evaluation: 'evaluation'
};

/** The kind of `run`, from the tags nbops writes (a run without them is interactive). */
export function runKind(run: IRun): RunKind {
  const tags = run.tags ?? {};
  if (tags['nbops.pipeline_step'] !== undefined) {
    return 'step';
  }
  if (tags['nbops.sweep_index'] !== undefined) {
    return 'trial';
  }
  return KINDS[tags['nbops.run_kind'] ?? ''] ?? 'interactive';
}

/**
 * Nest `runs` (a page, in its order) under their parents.
 *
 * A parent found among `runs` or `parents` becomes a group at the position of the first of
 * itself and its children; a run whose parent is unknown stays at the top level.
 */
export function buildTree(runs: IRun[], parents: IRun[] = []): IRunNode[] {
  const own = new Set(runs.map(r => r.run_id));
  const known = new Map<string, IRun>();
  for (const run of [...parents, ...runs]) {
    known.set(run.run_id, run);
  }
  const nodes = new Map<string, IRunNode>();
  const node = (run: IRun): IRunNode => {
    let found = nodes.get(run.run_id);
    if (!found) {
      found = {
        run,
        kind: runKind(run),
        own: own.has(run.run_id),
        children: []
      };
      nodes.set(run.run_id, found);
    }
    return found;
  };
  const top: IRunNode[] = [];
  const placed = new Set<string>();
  for (const run of runs) {
    const parentId = run.tags?.[PARENT_TAG];
    const parent = parentId ? known.get(parentId) : undefined;
    if (parent && parentId !== run.run_id) {
      const group = node(parent);
      group.children.push(node(run));
      if (!placed.has(parentId!)) {
        placed.add(parentId!);
        top.push(group);
      }
    } else if (!placed.has(run.run_id)) {
      placed.add(run.run_id);
      top.push(node(run));
    }
  }
  return top;
}
