import { SchedulesModel } from '../schedulesModel';
import { IListSchedules, ISchedule } from '../tokens';
import { ScheduleForm, confirmationBody } from '../widgets/scheduleDialog';
import { fakeServer } from './fakeServer';

const CRON: ISchedule = {
  id: 'nbops_flow',
  target: 'cron',
  pipeline: '/root/flow/pipeline.yaml',
  path: 'flow/pipeline.yaml',
  cron: '0 3 * * *',
  where: 'crontab',
  line: "0 3 * * * cd /root/flow && nbops pipeline run '/root/flow/pipeline.yaml'",
  monitor: false,
  next_runs: ['2026-12-04T03:00:00+00:00'],
  last_runs: [],
  error: ''
};

describe('SchedulesModel', () => {
  it('lists, shows a dry run without reloading, installs and removes (then reloads)', async () => {
    let listing: IListSchedules = {
      schedules: [],
      problems: [],
      dags_folder: null,
      cron: true
    };
    const { settings, urls } = fakeServer(url => {
      if (url.includes('/schedules/cron/')) {
        listing = { ...listing, schedules: [] };
        return {
          status: 200,
          body: JSON.stringify({ ...CRON, removed: true })
        };
      }
      return { status: 200, body: JSON.stringify(listing) };
    });
    const model = new SchedulesModel(settings);
    let changes = 0;
    model.changed.connect(() => changes++);
    await model.load();
    expect(model.listing?.schedules).toEqual([]);
    expect(changes).toBe(2); // loading, loaded

    const before = urls.length;
    await model.install({
      path: 'flow/pipeline.yaml',
      cron: '@daily',
      to: 'cron',
      dry_run: true
    });
    expect(urls.length).toBe(before + 1); // a dry run: no reload
    listing = { ...listing, schedules: [CRON] };
    await model.install({
      path: 'flow/pipeline.yaml',
      cron: '@daily',
      to: 'cron'
    });
    expect(model.listing?.schedules.map(s => s.id)).toEqual(['nbops_flow']);

    await model.remove(CRON);
    expect(urls.map(url => url.split('?')[0])).toContain(
      'http://localhost:8888/nbops/api/schedules/cron/nbops_flow'
    );
    expect(model.listing?.schedules).toEqual([]);
  });

  it('says why a listing failed', async () => {
    const { settings } = fakeServer(() => ({
      status: 500,
      body: JSON.stringify({ message: 'crontab is broken' })
    }));
    const model = new SchedulesModel(settings);
    await model.load();
    expect(model.error).toBe('crontab is broken');
    expect(model.loading).toBe(false);
  });
});

describe('ScheduleForm', () => {
  it('disables a scheduler the server does not offer and reads the values', () => {
    const form = new ScheduleForm(
      { path: 'flow/pipeline.yaml', cron: '0 3 * * *', to: 'airflow' },
      { dagsFolder: null, cron: true },
      'The cron expression is not valid.'
    );
    const options = Array.from(form.node.querySelectorAll('option'));
    expect(options.map(o => [o.value, o.disabled])).toEqual([
      ['airflow', true],
      ['cron', false]
    ]);
    expect(form.node.querySelector('.nbops-form-error')?.textContent).toBe(
      'The cron expression is not valid.'
    );
    expect(form.getValue()).toEqual({
      path: 'flow/pipeline.yaml',
      cron: '0 3 * * *',
      to: 'cron'
    });
  });

  it('shows the crontab line itself before it is installed', () => {
    const body = confirmationBody(CRON);
    expect(body.node.querySelector('pre')?.textContent).toBe(CRON.line);
  });
});
