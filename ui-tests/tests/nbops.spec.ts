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

test('the sidebar lists the runs of the notebook in focus', async ({
  page
}) => {
  await page.goto();
  await page.notebook.openByPath('experiment.ipynb');
  await page.locator('.jp-SideBar.jp-mod-left [data-id="nbops-panel"]').click();
  const panel = page.locator('#nbops-panel');
  await expect(panel).toBeVisible();
  await expect(panel.locator('.nbops-notebook')).toHaveText('experiment.ipynb');
  const runs = panel.locator('tr.nbops-run');
  await expect(runs).toHaveCount(2);
  await expect(runs.nth(0)).toContainText('alpha=0.5');
  await expect(runs.nth(0)).toContainText('FINISHED');
  await expect(runs.nth(1)).toContainText('alpha=0.1');
  await expect(runs.nth(1)).toContainText('rmse=10');
  await page.screenshot({ path: 'test-results/nbops-sidebar.png' });
});

test('the sidebar follows the focus and explains an empty notebook', async ({
  page
}) => {
  await page.goto();
  await page.locator('.jp-SideBar.jp-mod-left [data-id="nbops-panel"]').click();
  const panel = page.locator('#nbops-panel');
  await expect(panel.locator('.nbops-message')).toHaveText(
    'Open a notebook to see its runs.'
  );
  await openFile(page, 'fresh.ipynb');
  await expect(panel.locator('.nbops-notebook')).toHaveText('fresh.ipynb');
  await expect(panel.locator('.nbops-message')).toContainText('No runs yet');
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
