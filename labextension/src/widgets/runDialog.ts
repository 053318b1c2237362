import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { IParameter } from '../tokens';
import { h, labelled } from './dom';

/**
 * The body of the "Run headless…" dialog: one typed field per parameter of the step's schema,
 * and the server's validation message when a previous attempt was refused.
 */
export class RunForm extends Widget {
  constructor(
    private readonly _parameters: IParameter[],
    values: Record<string, string>,
    error: string,
    translator: ITranslator = nullTranslator
  ) {
    super({ node: h('form', 'nbops-run-form') });
    const trans = translator.load('nbops');
    if (error) {
      this.node.appendChild(h('p', 'nbops-form-error', error));
    }
    if (_parameters.length === 0) {
      this.node.appendChild(
        h(
          'p',
          'nbops-message',
          trans.__('This notebook has no parameters cell.')
        )
      );
    }
    for (const p of _parameters) {
      const title = `${p.name} (${p.type}${p.required ? trans.__(', required') : ''})`;
      const input = h('input', 'jp-mod-styled nbops-field-input');
      input.name = p.name;
      if (p.type === 'bool') {
        input.type = 'checkbox';
        input.checked = (values[p.name] ?? String(p.default)) === 'true';
      } else {
        // text, not type=number: the server checks the value and says what is wrong
        input.type = 'text';
        if (p.type === 'int' || p.type === 'float') {
          input.inputMode = 'decimal';
        }
        input.value = values[p.name] ?? this._text(p.default);
      }
      this.node.appendChild(labelled(title, input, p.help));
    }
  }

  /** The values as the server parses them (strings, typed by the schema). */
  getValue(): Record<string, string> {
    const values: Record<string, string> = {};
    for (const input of Array.from(this.node.querySelectorAll('input'))) {
      values[input.name] =
        input.type === 'checkbox' ? String(input.checked) : input.value;
    }
    return values;
  }

  /** Only the values that differ from the defaults (sent as parameters). */
  changed(): Record<string, string> {
    const values = this.getValue();
    const result: Record<string, string> = {};
    for (const p of this._parameters) {
      const base =
        p.type === 'bool' ? String(p.default) : this._text(p.default);
      if (values[p.name] !== base) {
        result[p.name] = values[p.name];
      }
    }
    return result;
  }

  private _text(value: unknown): string {
    if (value === null || value === undefined) {
      return '';
    }
    return typeof value === 'string' ? value : JSON.stringify(value);
  }
}
