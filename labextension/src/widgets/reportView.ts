import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

/**
 * A run's report in a main-area tab: the server's HTML in a sandboxed iframe (no script runs;
 * the server also sends a Content-Security-Policy forbidding them).
 */
export class ReportView extends Widget {
  constructor(url: string, translator: ITranslator = nullTranslator) {
    super();
    this.addClass('nbops-report-view');
    const frame = document.createElement('iframe');
    frame.className = 'nbops-report-frame';
    frame.setAttribute('sandbox', '');
    frame.setAttribute('referrerpolicy', 'no-referrer');
    frame.title = translator.load('nbops').__('Run report');
    frame.src = url;
    this.node.appendChild(frame);
  }
}
