import { Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';

import { PromoteForm, splitGates } from '../widgets/promoteDialog';
import { reproduceRun, verdictType } from '../reproduce';
import { IReproduction } from '../tokens';
import { fakeServer } from './fakeServer';

const RUN = '0123456789abcdef0123456789abcdef';
const NEW_RUN = 'fedcba9876543210fedcba9876543210';

function reproduction(patch: Partial<IReproduction>): IReproduction {
  return {
    id: 'a'.repeat(32),
    original: RUN,
    created: 0,
    status: 'RUNNING',
    run_id: null,
    verdict: null,
    summary: null,
    error: null,
    ...patch
  };
}

function context(settings: any) {
  const refresh = jest.fn(async () => undefined);
  const ctx = {
    app: {
      serviceManager: { serverSettings: settings },
      commands: { execute: jest.fn() }
    },
    model: { refresh },
    trans: nullTranslator.load('nbops')
  } as any;
  return { ctx, refresh };
}

describe('reproduceRun', () => {
  it('starts the reproduction, polls until the verdict and shows it', async () => {
    let polls = 0;
    const done = reproduction({
      status: 'DONE',
      run_id: NEW_RUN,
      verdict: 'DIFFERENT',
      summary: 'DIFFERENT: 1 of 1 values differ (metric score)'
    });
    const { settings, urls } = fakeServer(url => {
      if (url.includes('/reproduce')) {
        return { status: 202, body: JSON.stringify(reproduction({})) };
      }
      polls += 1;
      const body = polls < 2 ? reproduction({}) : done;
      return { status: 200, body: JSON.stringify(body) };
    });
    const { ctx, refresh } = context(settings);

    const result = await reproduceRun(ctx, RUN, 'train.ipynb');

    expect(result?.verdict).toBe('DIFFERENT');
    expect(urls[0]).toBe(
      `http://localhost:8888/nbops/api/runs/${RUN}/reproduce?notebook=train.ipynb`
    );
    expect(polls).toBe(2);
    expect(refresh).toHaveBeenCalled();
    const shown = Notification.manager.notifications[0];
    expect(shown.type).toBe('warning');
    expect(shown.message).toContain('1 of 1 values differ');
  });

  it('says why a run cannot be reproduced and starts nothing', async () => {
    const { settings, urls } = fakeServer(() => ({
      status: 400,
      body: '{"message": "Run x ended FAILED; only a FINISHED run can be reproduced."}'
    }));
    const { ctx, refresh } = context(settings);
    const before = Notification.manager.count;

    expect(await reproduceRun(ctx, RUN, 'train.ipynb')).toBeNull();

    expect(urls).toHaveLength(1);
    expect(refresh).not.toHaveBeenCalled();
    expect(Notification.manager.count).toBe(before + 1);
    expect(Notification.manager.notifications[0].message).toContain(
      'only a FINISHED run can be reproduced'
    );
  });
});

describe('verdictType', () => {
  it('maps verdicts to notification types', () => {
    expect(verdictType(reproduction({ verdict: 'IDENTICAL' }))).toBe('success');
    expect(verdictType(reproduction({ verdict: 'WITHIN TOLERANCE' }))).toBe(
      'success'
    );
    expect(verdictType(reproduction({ verdict: 'DIFFERENT' }))).toBe('warning');
    expect(verdictType(reproduction({ verdict: 'NOT REPRODUCIBLE' }))).toBe(
      'error'
    );
  });
});

describe('splitGates', () => {
  it('splits gates on semicolons and drops empty ones', () => {
    expect(splitGates(' rmse < champion*0.98 ;r2 >= 0.4;; servable ')).toEqual([
      'rmse < champion*0.98',
      'r2 >= 0.4',
      'servable'
    ]);
    expect(splitGates('')).toEqual([]);
  });
});

describe('PromoteForm', () => {
  const values = {
    model: 'diabetes',
    gates: ['rmse < champion'],
    eval: null,
    target: null,
    alias: 'champion'
  };

  it('sends the logged metrics by default, and a snapshot with its label column when chosen', () => {
    const form = new PromoteForm(values, ['holdout', 'train'], '');
    expect(form.getValue()).toEqual(values);
    const field = (name: string) =>
      form.node.querySelector<HTMLInputElement | HTMLSelectElement>(
        `[name="${name}"]`
      )!;
    expect(
      Array.from(form.node.querySelectorAll('option')).map(o => o.value)
    ).toEqual(['', 'holdout', 'train']);
    field('eval').value = 'holdout';
    field('target').value = ' y ';
    field('gates').value = 'rmse < champion*0.98; servable';
    field('alias').value = '';
    expect(form.getValue()).toEqual({
      model: 'diabetes',
      gates: ['rmse < champion*0.98', 'servable'],
      eval: 'holdout',
      target: 'y',
      alias: 'champion'
    });
  });

  it("shows the server's message above the values typed before", () => {
    const typed = { ...values, eval: 'holdout', target: 'y' };
    const form = new PromoteForm(typed, ['holdout'], 'Unknown column y.');
    expect(form.node.querySelector('.nbops-form-error')!.textContent).toBe(
      'Unknown column y.'
    );
    expect(form.getValue()).toEqual(typed);
  });
});
