import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

test.use({ autoGoto: false });

/** Open a file through JupyterLab's command, leaving the nbops sidebar in view. */
async function openFile(page: IJupyterLabPageFixture, path: string) {
  await page.evaluate(async path => {
    await (window as any).jupyterapp.commands.execute('docmanager:open', {
      path
    });
  }, path);
  await expect(
    page.getByRole('main').getByRole('tab', { name: path })
  ).toBeVisible();
}

/** Open a notebook and the nbops sidebar beside it; the sidebar's locator. */
async function openSidebar(page: IJupyterLabPageFixture, path: string) {
  await page.goto();
  await page.notebook.openByPath(path);
  await page.locator('.jp-SideBar.jp-mod-left [data-id="nbops-panel"]').click();
  return page.locator('#nbops-panel');
}

test('the sidebar lists the runs of the notebook in focus', async ({
  page
}) => {
  const panel = await openSidebar(page, 'experiment.ipynb');
  await expect(panel).toBeVisible();
  await expect(panel.locator('.nbops-notebook')).toHaveText('experiment.ipynb');
  const runs = panel.locator('tr.nbops-run');
  await expect(runs).toHaveCount(2);
  await expect(runs.nth(0)).toContainText('alpha=0.5');
  await expect(runs.nth(0).locator('.nbops-dot')).toHaveAttribute(
    'aria-label',
    'FINISHED'
  );
  await expect(runs.nth(1)).toContainText('alpha=0.1');
  await expect(panel.locator('tr.nbops-run-values').nth(1)).toContainText('10');
  await expect(runs.nth(1).locator('.nbops-badge')).toHaveText('notebook');
  await page.screenshot({ path: 'test-results/nbops-sidebar.png' });
});

test("the metric column is readable at the sidebar's default width", async ({
  page
}) => {
  const panel = await openSidebar(page, 'experiment.ipynb');
  const rmse = panel.locator('.nbops-runs th', { hasText: 'rmse' });
  await expect(rmse).toBeVisible();
  const box = (await panel.boundingBox())!;
  const header = (await rmse.boundingBox())!;
  expect(header.x + header.width).toBeLessThanOrEqual(box.x + box.width);
  // neither the metric nor the name column scrolls or is cut to nothing
  const value = panel
    .locator('tr.nbops-run-values')
    .first()
    .locator('.nbops-metric');
  await expect(value).toHaveText('2');
  const fits = await value.evaluate(
    node => node.scrollWidth <= node.clientWidth
  );
  expect(fits).toBe(true);
  const name = panel.locator('tr.nbops-run .nbops-run-name').first();
  await expect(name).toHaveText('alpha=0.5');
  const whole = await name.evaluate(
    node => node.scrollWidth <= node.clientWidth
  );
  expect(whole).toBe(true);
  const scrolls = await panel
    .locator('.nbops-body')
    .evaluate(node => node.scrollWidth > node.clientWidth);
  expect(scrolls).toBe(false);
});

test("a sweep's trials and a pipeline's step nest under their parents", async ({
  page
}) => {
  const panel = await openSidebar(page, 'tuning.ipynb');
  await expect(panel.locator('.nbops-notebook')).toHaveText('tuning.ipynb');
  const rows = panel.locator('tr.nbops-run');
  // newest first: the pipeline (which ran this notebook as its step), then the sweep
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toHaveAttribute('data-kind', 'pipeline');
  await expect(rows.nth(1)).toHaveAttribute('data-kind', 'sweep');
  const pipeline = panel.locator('tr.nbops-run[data-kind="pipeline"]');
  const sweep = panel.locator('tr.nbops-run[data-kind="sweep"]');
  await expect(pipeline.locator('.nbops-badge')).toHaveText('pipeline 1');
  await expect(pipeline).toContainText('pipeline tuning');
  await expect(sweep.locator('.nbops-badge')).toHaveText('sweep 3');

  await sweep.locator('button.nbops-expand').click();
  const trials = panel.locator('tr.nbops-run[data-kind="trial"]');
  await expect(trials).toHaveCount(3);
  await expect(sweep.locator('button.nbops-expand')).toHaveAttribute(
    'aria-expanded',
    'true'
  );
  await expect(trials.nth(0)).toHaveClass(/nbops-mod-nested/);

  await pipeline.locator('button.nbops-expand').click();
  const step = panel.locator('tr.nbops-run[data-kind="step"]');
  await expect(step).toHaveCount(1);
  await expect(step).toContainText('alpha=4.0');
  await expect(step).toHaveAttribute('title', /pipeline\.yaml/);
  await page.screenshot({ path: 'test-results/nbops-sidebar-nested.png' });

  await sweep.locator('button.nbops-expand').click();
  await expect(trials).toHaveCount(0);
  await expect(step).toHaveCount(1); // the pipeline's step stays open
});

test('the sidebar follows the focus and explains an empty notebook', async ({
  page
}) => {
  await page.goto();
  await page.locator('.jp-SideBar.jp-mod-left [data-id="nbops-panel"]').click();
  const panel = page.locator('#nbops-panel');
  await expect(panel.locator('.nbops-body > .nbops-message')).toHaveText(
    'Open a notebook to see its runs.'
  );
  // what is not a notebook's is shown all the same: the schedules
  await expect(panel.locator('.nbops-section-schedules')).toBeVisible();
  await openFile(page, 'fresh.ipynb');
  await expect(panel.locator('.nbops-notebook')).toHaveText('fresh.ipynb');
  await expect(
    panel.locator('.nbops-section-runs .nbops-message')
  ).toContainText('No runs yet');
  await openFile(page, 'experiment.ipynb');
  await expect(panel.locator('.nbops-notebook')).toHaveText('experiment.ipynb');
  await expect(panel.locator('tr.nbops-run')).toHaveCount(2);
});

test('the sidebar explains a missing server extension', async ({ page }) => {
  await page.route('**/nbops/api/**', route =>
    route.fulfill({ status: 404, body: 'Not Found' })
  );
  await page.goto();
  await page.locator('.jp-SideBar.jp-mod-left [data-id="nbops-panel"]').click();
  await openFile(page, 'experiment.ipynb');
  await expect(page.locator('#nbops-panel .nbops-mod-error')).toContainText(
    'jupyter server extension enable nbops'
  );
});

/** Open the sidebar with experiment.ipynb in focus; wait for its two seeded runs. */
async function openExperiment(page: IJupyterLabPageFixture) {
  const panel = await openSidebar(page, 'experiment.ipynb');
  await expect(panel.locator('tr.nbops-run').first()).toBeVisible();
  return panel;
}

test('running the cells records a run that appears in the sidebar', async ({
  page
}) => {
  const panel = await openExperiment(page);
  const before = await panel.locator('tr.nbops-run').count();
  await page.notebook.setCell(0, 'code', 'alpha = 2.0');
  await page.notebook.run();
  await expect(panel.locator('tr.nbops-run')).toHaveCount(before + 1);
  await expect(panel.locator('tr.nbops-run').first()).toContainText(
    'alpha=2.0'
  );
  await expect(panel.locator('.nbops-section-data')).toBeVisible();
  await page.screenshot({ path: 'test-results/nbops-sidebar-sections.png' });
});

test('select two runs and compare them', async ({ page }) => {
  const panel = await openExperiment(page);
  const rows = panel.locator('tr.nbops-run');
  await rows.nth(0).locator('input.nbops-select').check();
  await rows.nth(1).locator('input.nbops-select').check();
  const names = await rows.locator('.nbops-run-name').allTextContents();
  await expect(panel.locator('.nbops-environment dl')).toBeVisible();
  await panel.locator('button.nbops-compare').click();
  const view = page.locator('.nbops-compare-view');
  await expect(view).toBeVisible();
  // the view opens on what changed (nbops diff's summary), before the facets
  await expect(view.locator('h3').first()).toHaveText('What changed');
  const summary = view.locator('ul.nbops-compare-summary li');
  await expect(summary.filter({ hasText: /^parameters: alpha / })).toHaveCount(
    1
  );
  await expect(summary.last()).toHaveClass(/nbops-mod-explains/);
  await expect(
    view.locator('.nbops-compare-params tr.nbops-mod-differs')
  ).toContainText('alpha');
  await expect(view.locator('.nbops-compare-metrics')).toContainText('rmse');
  // JupyterLab's own Vega-Lite renderer draws the metric history, with axes and a legend
  const chart = view.locator('.nbops-chart-box', { hasText: 'rmse by step' });
  const axes = chart.locator('svg .role-axis-title');
  await expect(axes).toHaveText(['step', 'rmse']);
  const legend = chart.locator('svg .role-legend');
  await expect(legend).toContainText(names[0]);
  await expect(legend).toContainText(names[1]);
  await page.screenshot({ path: 'test-results/nbops-compare.png' });
  await view.locator('select.nbops-axis').selectOption('time');
  const timed = view.locator('.nbops-chart-box', { hasText: 'rmse by time' });
  await expect(timed.locator('svg .role-axis-title')).toHaveText([
    'time',
    'rmse'
  ]);
});

test('the Runs table sorts, filters in MLflow syntax and compares', async ({
  page
}) => {
  const panel = await openSidebar(page, 'tuning.ipynb');
  await expect(panel.locator('.nbops-notebook')).toHaveText('tuning.ipynb');
  await panel.locator('button.nbops-open-table').click();
  const view = page.locator('.nbops-runs-view');
  const rows = view.locator('tbody tr.nbops-run');
  // the sweep, its three trials and the pipeline's step: every run of the notebook
  await expect(rows).toHaveCount(5);
  await expect(view.locator('th[data-key="params.alpha"]')).toBeVisible();

  const rmse = view.locator('th[data-key="metrics.rmse"]');
  await rmse.click();
  await expect(rmse).toHaveAttribute('aria-sort', 'descending');
  await rmse.click();
  await expect(rmse).toHaveAttribute('aria-sort', 'ascending');
  await expect(rows.first()).toContainText('alpha=4.0'); // rmse 0.25: the smallest

  const filter = view.locator('input.nbops-filter-input');
  await filter.fill("metrics.rmse < 0.3 and attributes.status = 'FINISHED'");
  await filter.press('Enter');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('alpha=4.0');

  await filter.fill('metrics.rmse <');
  await filter.press('Enter');
  await expect(view.locator('.nbops-mod-error')).toContainText('is not valid');
  await expect(rows).toHaveCount(1); // the runs of the filter in force stay

  await filter.fill('metrics.rmse > 0.3');
  await filter.press('Enter');
  await expect(rows).toHaveCount(3);
  await page.screenshot({ path: 'test-results/nbops-runs-view.png' });
  await rows.nth(0).locator('input.nbops-select').check();
  await rows.nth(1).locator('input.nbops-select').check();
  await view.locator('button.nbops-compare').click();
  await expect(page.locator('.nbops-compare-view h2')).toHaveText(
    'Compare 2 runs'
  );
});

test('export, run headless with a changed parameter, open the report', async ({
  page
}) => {
  const panel = await openExperiment(page);
  await page.evaluate(async () => {
    await (window as any).jupyterapp.commands.execute('nbops:export-step');
  });
  await expect(
    page.locator('.Toastify__toast').filter({ hasText: 'Exported experiment@' })
  ).toBeVisible();
  await expect(panel.locator('li.nbops-step')).toHaveCount(1);
  await expect(
    page.locator('.Toastify__toast').filter({ hasText: 'Exporting' })
  ).toHaveCount(0); // the quick export shows its outcome alone (jupyterlab#15558)

  void page.evaluate(async () => {
    await (window as any).jupyterapp.commands.execute('nbops:run-headless');
  });
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog.locator('input[name="alpha"]')).toBeVisible();
  await dialog.locator('input[name="alpha"]').fill('abc');
  await dialog.getByRole('button', { name: 'Run' }).click();
  await expect(dialog.locator('.nbops-form-error')).toContainText(
    "expects float, which 'abc' is not"
  );
  await dialog.locator('input[name="alpha"]').fill('0.25');
  await dialog.getByRole('button', { name: 'Run' }).click();
  const done = page
    .locator('.Toastify__toast')
    .filter({ hasText: 'Run of experiment.ipynb finished' });
  await expect(done).toBeVisible({ timeout: 120000 });
  await done.getByRole('button', { name: 'Open report' }).click();
  const frame = page.frameLocator('iframe.nbops-report-frame');
  // the page is rendered, not shown as source: its elements exist
  await expect(frame.locator('section.nbops-card')).toBeVisible({
    timeout: 30000
  });
  await expect(frame.locator('section.nbops-card .nbops-status')).toHaveText(
    'FINISHED'
  );
  await expect(frame.locator('.jp-Cell').first()).toBeVisible();
  await expect(frame.getByRole('row', { name: 'alpha 0.25' })).toBeVisible();
  await page.screenshot({ path: 'test-results/nbops-report.png' });
});

test('cell tag commands toggle the tag and show it on the cell', async ({
  page
}) => {
  await openExperiment(page);
  await page.notebook.selectCells(1);
  await page.evaluate(async () => {
    await (window as any).jupyterapp.commands.execute('nbops:tag-skip');
  });
  await expect(page.locator('.jp-Cell.nbops-tag-nbops-skip')).toHaveCount(1);
  await page.evaluate(async () => {
    await (window as any).jupyterapp.commands.execute('nbops:tag-skip');
  });
  await expect(page.locator('.jp-Cell.nbops-tag-nbops-skip')).toHaveCount(0);
  await expect(page.locator('.jp-Cell.nbops-tag-parameters')).toHaveCount(1);
});

test('promote asks for everything in one dialog and shows what the server refused', async ({
  page
}) => {
  const panel = await openExperiment(page);
  await panel
    .locator('tr.nbops-run')
    .first()
    .locator('input.nbops-select')
    .check();
  await panel.locator('button.nbops-promote').click();
  const form = page.locator('.jp-Dialog .nbops-promote-form');
  await expect(form).toBeVisible();
  await expect(form.locator('[name="model"]')).toHaveValue('experiment');
  await expect(form.locator('select[name="eval"]')).toBeVisible();
  await form.locator('[name="gates"]').fill('rmse <');
  await page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Promote' })
    .click();
  const refused = page.locator('.jp-Dialog .nbops-promote-form');
  await expect(refused.locator('.nbops-form-error')).toContainText(
    "The gate 'rmse <' is malformed."
  );
  await expect(refused.locator('[name="gates"]')).toHaveValue('rmse <');
  await page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Cancel' })
    .click();
  await expect(page.locator('.jp-Dialog')).toHaveCount(0);
  await expect(
    page.locator('.Toastify__toast').filter({ hasText: 'Promoting' })
  ).toHaveCount(0); // a quick refusal leaves no toast stuck "in progress"
});

test('reproduce the selected run and read the verdict in its report', async ({
  page
}) => {
  const panel = await openExperiment(page);
  await expect(panel.locator('button.nbops-reproduce')).toBeDisabled();
  await expect(panel.locator('button.nbops-promote')).toBeDisabled();
  const newest = panel.locator('tr.nbops-run').first();
  await newest.locator('input.nbops-select').check();
  await expect(panel.locator('button.nbops-promote')).toBeEnabled();
  await panel.locator('button.nbops-reproduce').click();
  const verdict = page
    .locator('.Toastify__toast')
    .filter({ hasText: 'IDENTICAL' });
  await expect(verdict).toBeVisible({ timeout: 120000 });
  await verdict.getByRole('button', { name: 'Open report' }).click();
  const frame = page.frameLocator('iframe.nbops-report-frame');
  await expect(frame.locator('section.nbops-card h2.nbops-verdict')).toHaveText(
    'Reproduction',
    { timeout: 30000 }
  );
  await expect(frame.locator('section.nbops-card')).toContainText('IDENTICAL');
  await expect(panel.locator('.nbops-section-production')).toContainText(
    'No model versions yet'
  );
});

test("a snapshot's diff with its previous version opens in a tab", async ({
  page
}) => {
  const panel = await openSidebar(page, 'data.ipynb');
  const snapshots = panel.locator('li.nbops-snapshot');
  await expect(snapshots).toHaveCount(2);
  await snapshots.first().locator('button.nbops-snapshot-line').click();
  const diff = snapshots.first().locator('button.nbops-snapshot-diff');
  await expect(diff).toHaveText('Diff v2 with v1');
  await expect(snapshots.first().locator('table.nbops-profile')).toBeVisible();
  await diff.click();
  const view = page.locator('.nbops-data-diff-view');
  await expect(view.locator('li.nbops-data-diff-rows')).toHaveText(
    'rows: 30 → 36: 6 added, 0 removed, 1 of 30 matched rows changed'
  );
  const changed = view.locator(
    'table.nbops-data-diff-columns tr.nbops-mod-differs'
  );
  await expect(changed).toHaveCount(1);
  await expect(changed.locator('th')).toHaveText('value');
  await expect(changed.locator('.nbops-data-diff-example')).toHaveText(
    'row=3: 1.5 → 101.5'
  );
  // matched by a key column instead of by position
  await view.locator('.nbops-data-diff-key input').fill('id');
  await view.locator('.nbops-data-diff-key button').click();
  await expect(changed.locator('.nbops-data-diff-example')).toHaveText(
    'id=3: 1.5 → 101.5'
  );
  await page.screenshot({ path: 'test-results/nbops-data-diff.png' });
});

test("a running run's chart follows it in the sidebar and in the cell", async ({
  page
}) => {
  const panel = await openSidebar(page, 'live.ipynb');
  await page.notebook.runCell(0);
  const run = panel.locator('tr.nbops-run').first();
  await expect(run.locator('.nbops-dot')).toHaveAttribute(
    'aria-label',
    'RUNNING'
  );
  await run.locator('input.nbops-select').check();
  const chart = panel.locator('.nbops-run-chart');
  await expect(chart).toHaveAttribute('data-status', 'RUNNING');
  const symbols = chart.locator('svg g.mark-symbol.role-mark path');
  await expect(symbols).toHaveCount(1);
  // the loop logs 24 more values, one every half second, while the sidebar follows the run
  void page.notebook.runCell(1);
  const live = page.locator('.jp-Cell').nth(1).locator('.nbops-live');
  await expect(
    live.locator('.jp-RenderedVegaCommon5 canvas.marks')
  ).toBeVisible({ timeout: 30000 });
  await expect
    .poll(async () => symbols.count(), { timeout: 30000 })
    .toBeGreaterThan(2);
  const seen = await symbols.count();
  await expect
    .poll(async () => symbols.count(), { timeout: 30000 })
    .toBeGreaterThan(seen);
  await page.screenshot({ path: 'test-results/nbops-live-chart.png' });
  // the cell ended: its widget became the final chart, a plain Vega-Lite output
  await expect(
    page.locator('.jp-Cell').nth(1).locator('.nbops-live')
  ).toHaveCount(0, {
    timeout: 30000
  });
  await expect(
    page.locator('.jp-Cell').nth(1).locator('.jp-RenderedVegaCommon5')
  ).toBeVisible();
  await page.notebook.runCell(2);
  await expect(chart).toHaveAttribute('data-status', 'FINISHED', {
    timeout: 30000
  });
  await expect(symbols).toHaveCount(25);
});

test("a run's lineage opens in a tab and a snapshot in it re-centres it", async ({
  page
}) => {
  const panel = await openSidebar(page, 'data.ipynb');
  const newest = panel.locator('tr.nbops-run').first();
  await expect(newest).toContainText('rows=36');
  await newest.locator('input.nbops-select').check();
  await panel.locator('button.nbops-lineage').click();
  const view = page.locator('.nbops-lineage-view');
  await expect(view.locator('h2.nbops-lineage-centre')).toContainText(
    'Lineage of rows=36'
  );
  const snapshot = view.locator('li.nbops-lineage-snapshot');
  await expect(snapshot.locator('.nbops-lineage-relation')).toHaveText('wrote');
  await expect(snapshot.locator('button')).toHaveText('table@2');
  await snapshot.locator('button').click();
  await expect(view.locator('h2.nbops-lineage-centre')).toHaveText(
    'Lineage of table@2'
  );
  const writer = view.locator('li.nbops-lineage-run');
  await expect(writer.locator('button')).toContainText('rows=36');
  await expect(writer.locator('.nbops-lineage-relation')).toHaveText('wrote');
  await page.screenshot({ path: 'test-results/nbops-lineage.png' });
  // the same from the Data section: a snapshot's Lineage centres a new tab on it
  const first = panel.locator('li.nbops-snapshot').first();
  await first.locator('.nbops-snapshot-line').click();
  await first.locator('.nbops-snapshot-lineage').click();
  await expect(
    page.locator('.nbops-lineage-view h2.nbops-lineage-centre').last()
  ).toHaveText(/Lineage of table@\d/);
});

test('a pipeline file opens in its view, runs from it and is followed live', async ({
  page
}) => {
  await page.goto();
  await page
    .locator('.jp-DirListing-item', { hasText: 'pipeline.yaml' })
    .click({ button: 'right' });
  await page
    .getByRole('menuitem', { name: 'nbops: Open Pipeline View' })
    .click();
  const view = page.locator('.nbops-pipeline-view');
  await expect(view.locator('h2')).toHaveText('Pipeline tuning');
  const train = view.locator('tr[data-step="train"]');
  await expect(train).toHaveAttribute('data-status', 'FINISHED');
  // JupyterLab's Mermaid renderer draws the DAG as an SVG image in a figure
  await expect(view.locator('.nbops-pipeline-graph figure img')).toBeVisible();
  // run it again, every step: the view follows the run as the step starts and finishes
  await view.locator('.nbops-pipeline-run input[type="checkbox"]').check();
  await view.locator('.nbops-pipeline-run button').click();
  await expect(train).toHaveAttribute('data-status', 'RUNNING', {
    timeout: 30000
  });
  await page.screenshot({ path: 'test-results/nbops-pipeline-running.png' });
  await expect(train).toHaveAttribute('data-status', 'FINISHED', {
    timeout: 60000
  });
  await expect(view.locator('.nbops-pipeline-last')).toHaveAttribute(
    'data-status',
    'FINISHED'
  );
  await train.locator('button.nbops-pipeline-report').click();
  const frame = page.frameLocator('iframe.nbops-report-frame');
  await expect(frame.locator('section.nbops-card')).toBeVisible({
    timeout: 30000
  });
  await page.screenshot({ path: 'test-results/nbops-pipeline.png' });
});

test('a pipeline is scheduled from the lab, listed with its runs, and unscheduled', async ({
  page
}) => {
  await page.goto();
  await page.locator('.jp-SideBar.jp-mod-left [data-id="nbops-panel"]').click();
  const section = page.locator('#nbops-panel .nbops-section-schedules');
  await expect(section.locator('.nbops-message').first()).toHaveText(
    /No schedules/
  );
  const schedule = async (to: string, cron: string) => {
    await page.sidebar.openTab('filebrowser');
    await page
      .locator('.jp-DirListing-item', { hasText: 'pipeline.yaml' })
      .click({ button: 'right' });
    await page
      .getByRole('menuitem', { name: 'nbops: Schedule Pipeline…' })
      .click();
    const dialog = page.locator('.jp-Dialog');
    await dialog.locator('select[name="to"]').selectOption(to);
    await dialog.locator('input[name="cron"]').fill(cron);
    await dialog.getByRole('button', { name: 'Next' }).click();
  };
  // a cron expression the server refuses: the dialog again, saying why
  await schedule('cron', '0 25 * * *');
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog.locator('.nbops-form-error')).toContainText(
    "'0 25 * * *' is not valid"
  );
  await dialog.locator('input[name="cron"]').fill('30 2 * * *');
  await dialog.getByRole('button', { name: 'Next' }).click();
  // the crontab line itself is shown before anything is installed
  const line = dialog.locator('pre.nbops-schedule-line');
  await expect(line).toHaveText(/^30 2 \* \* \* cd .* pipeline run /);
  await page.screenshot({ path: 'test-results/nbops-schedule-confirm.png' });
  await dialog.getByRole('button', { name: 'Install' }).click();
  await schedule('airflow', '@daily');
  await expect(dialog.locator('.nbops-schedule-confirm')).toContainText(
    'nbops_tuning.py'
  );
  await dialog.getByRole('button', { name: 'Install' }).click();
  await page.sidebar.openTab('nbops-panel');

  const cron = section.locator('.nbops-schedule[data-target="cron"]');
  const airflow = section.locator('.nbops-schedule[data-target="airflow"]');
  await expect(cron.locator('.nbops-schedule-cron')).toHaveText('30 2 * * *');
  await expect(airflow.locator('.nbops-schedule-cron')).toHaveText('@daily');
  await expect(cron.locator('.nbops-schedule-next')).toHaveText(/Next run: /);
  // the pipeline's run that cron's line tagged: its status, and its step's report
  const run = cron.locator('.nbops-schedule-run');
  await expect(run).toHaveAttribute('data-status', 'FINISHED');
  // cron's run is not Airflow's: the DAG of the same pipeline has not run yet
  await expect(airflow.locator('.nbops-schedule-run')).toHaveCount(0);
  await expect(airflow.locator('.nbops-message')).toHaveText('Not run yet.');
  await page.screenshot({ path: 'test-results/nbops-schedules.png' });
  await run.locator('button.nbops-schedule-step', { hasText: 'train' }).click();
  const frame = page.frameLocator('iframe.nbops-report-frame');
  await expect(frame.locator('section.nbops-card')).toBeVisible({
    timeout: 30000
  });

  await cron.locator('button.nbops-schedule-remove').click();
  await page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Remove' })
    .click();
  await expect(cron).toHaveCount(0);
  await expect(airflow).toHaveCount(1);
  await airflow.locator('button.nbops-schedule-remove').click();
  await page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Remove' })
    .click();
  await expect(section.locator('.nbops-schedule')).toHaveCount(0);
});
