import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';

import { CommandIDs } from './tokens';

/** The cell tags nbops reads, by the command that toggles each. */
export const TAGS: Record<string, string> = {
  [CommandIDs.tagParameters]: 'parameters',
  [CommandIDs.tagSkip]: 'nbops:skip',
  [CommandIDs.tagHide]: 'nbops:report-hide'
};

/** Mark the cells carrying nbops tags (a class per tag, shown by the stylesheet). */
export function showTags(panel: NotebookPanel | null): void {
  if (!panel) {
    return;
  }
  for (const cell of panel.content.widgets) {
    const tags = (cell.model.getMetadata('tags') as string[] | undefined) ?? [];
    for (const tag of Object.values(TAGS)) {
      cell.node.classList.toggle(
        `nbops-tag-${tag.replace(':', '-')}`,
        tags.includes(tag)
      );
    }
  }
}

/** Register one `nbops:tag-*` command per tag: toggle it on the active cell. */
export function addTagCommands(
  commands: CommandRegistry,
  notebooks: INotebookTracker,
  trans: TranslationBundle
): void {
  for (const [id, tag] of Object.entries(TAGS)) {
    commands.addCommand(id, {
      label: trans.__('nbops: Toggle Cell Tag "%1"', tag),
      isEnabled: () => notebooks.activeCell !== null,
      isToggled: () =>
        (
          (notebooks.activeCell?.model.getMetadata('tags') as string[]) ?? []
        ).includes(tag),
      execute: () => {
        const cell = notebooks.activeCell;
        if (!cell) {
          return;
        }
        const tags = [...((cell.model.getMetadata('tags') as string[]) ?? [])];
        const at = tags.indexOf(tag);
        if (at >= 0) {
          tags.splice(at, 1);
        } else {
          tags.push(tag);
        }
        cell.model.setMetadata('tags', tags);
        showTags(notebooks.currentWidget);
      }
    });
  }
}
