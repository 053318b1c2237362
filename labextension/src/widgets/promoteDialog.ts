import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { h, labelled } from './dom';

/** What `POST runs/<id>/promote` takes (`CreatePromotion`). */
export interface IPromotionRequest {
  model: string;
  gates: string[];
  eval: string | null;
  target: string | null;
  alias: string;
  /** Load models that others registered (asked for after the server's 409). */
  confirm?: boolean;
}

/** Gates typed in one line, separated by semicolons. */
export function splitGates(text: string): string[] {
  return text
    .split(';')
    .map(gate => gate.trim())
    .filter(gate => gate.length > 0);
}

/**
 * The body of the "Promote…" dialog, one field per option of `nbops promote`: the registered
 * model, the gates, the snapshot to score both models on (else their logged metrics), its label
 * column and the alias to move; and the server's message when an attempt was refused.
 */
export class PromoteForm extends Widget {
  constructor(
    values: IPromotionRequest,
    snapshots: string[],
    error: string,
    translator: ITranslator = nullTranslator
  ) {
    super({ node: h('form', 'nbops-run-form nbops-promote-form') });
    const trans = translator.load('nbops');
    if (error) {
      this.node.appendChild(h('p', 'nbops-form-error', error));
    }
    this._text('model', trans.__('Registered model'), values.model);
    this._text(
      'gates',
      trans.__('Gates'),
      values.gates.join('; '),
      trans.__(
        'All must hold, separated by ";" (e.g. rmse < champion*0.98; r2 >= 0.4; servable)'
      )
    );
    const select = h('select', 'jp-mod-styled nbops-field-input');
    select.name = 'eval';
    const none = h('option', '', trans.__('none: compare the logged metrics'));
    none.value = '';
    select.appendChild(none);
    for (const name of snapshots) {
      const option = h('option', '', name);
      option.value = name;
      select.appendChild(option);
    }
    select.value = values.eval ?? '';
    this.node.appendChild(
      labelled(
        trans.__('Score both models on snapshot'),
        select,
        trans.__("Each model's predictions on it, against its label column")
      )
    );
    this._text('target', trans.__('Label column'), values.target ?? 'target');
    this._text('alias', trans.__('Alias to move'), values.alias);
  }

  /** The request as the server takes it. */
  getValue(): IPromotionRequest {
    const value = (name: string) =>
      this.node.querySelector<HTMLInputElement | HTMLSelectElement>(
        `[name="${name}"]`
      )!.value;
    const snapshot = value('eval');
    return {
      model: value('model').trim(),
      gates: splitGates(value('gates')),
      eval: snapshot || null,
      target: snapshot ? value('target').trim() || null : null,
      alias: value('alias').trim() || 'champion'
    };
  }

  private _text(name: string, title: string, text: string, help = ''): void {
    const input = h('input', 'jp-mod-styled nbops-field-input');
    input.type = 'text';
    input.name = name;
    input.value = text;
    this.node.appendChild(labelled(title, input, help));
  }
}
