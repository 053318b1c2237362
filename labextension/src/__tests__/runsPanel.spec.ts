import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import * as React from 'react';

import { ServerConnection } from '@jupyterlab/services';

import { RunsModel } from '../model';
import { BuiltinSections } from '../sections/builtin';
import { SectionRegistry } from '../sections/registry';
import { RunsPanel } from '../widgets/runsPanel';
import { nbopsServer } from './fakeServer';

/** Resolve once `condition` holds (React renders on the next animation frame). */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) {
    await new Promise(resolve => requestAnimationFrame(resolve));
  }
  expect(condition()).toBe(true);
}

/** A registry holding nbops's own sections, and the runs model that loads their models. */
function builtins(settings: ServerConnection.ISettings): {
  model: RunsModel;
  registry: SectionRegistry;
} {
  const registry = new SectionRegistry();
  new BuiltinSections(settings).sections.forEach(s => registry.add(s));
  return { model: new RunsModel(settings, () => registry.models), registry };
}

describe('RunsPanel', () => {
  it('renders the runs and keeps focus and nodes across a refresh', async () => {
    const { settings } = nbopsServer();
    const { model, registry } = builtins(settings);
    const panel = new RunsPanel(model, new CommandRegistry(), registry);
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
    const { model, registry } = builtins(settings);
    const panel = new RunsPanel(model, new CommandRegistry(), registry);
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

  it("shows a section model's failure in that section, the others still shown", async () => {
    const { settings } = nbopsServer(200, /\/snapshots\?/);
    const { model, registry } = builtins(settings);
    const panel = new RunsPanel(model, new CommandRegistry(), registry);
    Widget.attach(panel, document.body);
    await model.setNotebook('nb.ipynb');
    const error = () =>
      panel.node.querySelector('.nbops-section-data .nbops-mod-error');
    await until(() => error() !== null);
    expect(error()!.textContent).toBe('The store went away.');
    expect(panel.node.querySelectorAll('tr.nbops-run').length).toBe(2);
    expect(panel.node.querySelector('.nbops-version-name')!.textContent).toBe(
      'diabetes v2'
    );
    expect(panel.node.querySelector('.nbops-notice')).toBeNull();
    Widget.detach(panel);
  });

  it("shows a plugin's section by rank, and removes it when disposed", async () => {
    const { settings } = nbopsServer();
    const { model, registry } = builtins(settings);
    const panel = new RunsPanel(model, new CommandRegistry(), registry);
    Widget.attach(panel, document.body);
    await model.setNotebook('nb.ipynb');
    const titles = () =>
      Array.from(panel.node.querySelectorAll('.nbops-section-title')).map(
        t => t.textContent
      );
    await until(() => titles().length === 6);
    const added = registry.add({
      id: 'pipelines',
      rank: 250,
      title: () => 'Pipelines',
      render: ctx =>
        React.createElement(
          'p',
          { className: 'nbops-test-runs' },
          `${ctx.model.runs.length} runs`
        )
    });
    await until(() => titles().length === 7);
    expect(titles()).toEqual([
      'Runs',
      'Chart',
      'Data',
      'Pipelines',
      'Environment',
      'Steps',
      'Production'
    ]);
    expect(panel.node.querySelector('.nbops-test-runs')!.textContent).toBe(
      '2 runs'
    );
    expect(() => registry.add({ ...registry.sections[0], rank: 1 })).toThrow(
      "A sidebar section with id 'runs' exists."
    );
    added.dispose();
    await until(() => titles().length === 6);
    Widget.detach(panel);
  });

  it('keeps a closed section closed, and opens a new one', async () => {
    const { settings } = nbopsServer();
    const { model, registry } = builtins(settings);
    const panel = new RunsPanel(model, new CommandRegistry(), registry);
    panel.closedSections = ['data'];
    Widget.attach(panel, document.body);
    await model.setNotebook('nb.ipynb');
    const open = () =>
      Array.from(
        panel.node.querySelectorAll<HTMLDetailsElement>('details.nbops-section')
      )
        .filter(d => d.open)
        .map(d => d.className.replace('nbops-section nbops-section-', ''));
    await until(() => open().length === 5);
    expect(open()).toEqual(['runs', 'chart', 'env', 'steps', 'production']);
    Widget.detach(panel);
  });
});
