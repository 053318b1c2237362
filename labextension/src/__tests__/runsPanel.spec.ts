import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { RunsModel } from '../model';
import { RunsPanel } from '../widgets/runsPanel';
import { nbopsServer } from './fakeServer';

/** Resolve once `condition` holds (React renders on the next animation frame). */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) {
    await new Promise(resolve => requestAnimationFrame(resolve));
  }
  expect(condition()).toBe(true);
}

describe('RunsPanel', () => {
  it('renders the runs and keeps focus and nodes across a refresh', async () => {
    const { settings } = nbopsServer();
    const model = new RunsModel(settings);
    const panel = new RunsPanel(model, new CommandRegistry());
    Widget.attach(panel, document.body);
    await model.setNotebook('nb.ipynb');
    const boxes = () =>
      panel.node.querySelectorAll<HTMLInputElement>('input.nbops-select');
    await until(() => boxes().length === 2);
    const names = panel.node.querySelectorAll('.nbops-run-name');
    expect(Array.from(names).map(n => n.textContent)).toEqual(['a', 'b']);
    const first = boxes()[0];
    first.focus();
    await model.refresh();
    await until(() => !panel.hasClass('nbops-mod-loading'));
    expect(boxes()[0]).toBe(first); // the same node: not rebuilt
    expect(document.activeElement).toBe(first);

    first.click();
    await until(() => boxes()[0].checked);
    const compare = panel.node.querySelector<HTMLButtonElement>(
      'button.nbops-compare'
    )!;
    expect(compare.textContent).toBe('Compare (1)');
    expect(compare.disabled).toBe(true);

    const more = () =>
      panel.node.querySelector<HTMLButtonElement>('.nbops-more');
    more()!.click(); // the last page: the button goes
    await until(() => boxes().length === 3 && more() === null);
    Widget.detach(panel);
  });

  it("shows a part's failure above the sections, and dismisses it", async () => {
    const { settings } = nbopsServer(200, /page_token=p2/);
    const model = new RunsModel(settings);
    const panel = new RunsPanel(model, new CommandRegistry());
    Widget.attach(panel, document.body);
    await model.setNotebook('nb.ipynb');
    await model.loadMore();
    const notice = () => panel.node.querySelector('.nbops-notice');
    await until(() => notice() !== null);
    expect(notice()!.textContent).toContain('The store went away.');
    expect(panel.node.querySelectorAll('tr.nbops-run').length).toBe(2);
    notice()!.querySelector('button')!.click();
    await until(() => notice() === null);
    Widget.detach(panel);
  });
});
