import { IRenderMime, RenderMimeRegistry } from '@jupyterlab/rendermime';
import { Widget } from '@lumino/widgets';

import { chartsWidget, VEGALITE_MIME } from '../widgets/compareView';

/** Stands in for JupyterLab's Vega-Lite renderer (Vega cannot draw in jsdom): records specs. */
class RecordingRenderer extends Widget implements IRenderMime.IRenderer {
  static specs: unknown[] = [];
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    RecordingRenderer.specs.push(model.data[VEGALITE_MIME]);
  }
}

const chart = (title: string) => ({
  title,
  spec: { mark: 'line', data: { values: [{ x: 1 }] } }
});

describe('chartsWidget', () => {
  it("hands each chart's spec to the Vega-Lite renderer under its title", () => {
    const registry = new RenderMimeRegistry({
      initialFactories: [
        {
          safe: true,
          mimeTypes: [VEGALITE_MIME],
          createRenderer: () => new RecordingRenderer()
        }
      ]
    });
    RecordingRenderer.specs = [];
    const widget = chartsWidget(
      [chart('rmse by step'), chart('mae by step')],
      registry
    );
    const captions = Array.from(widget.node.querySelectorAll('figcaption')).map(
      node => node.textContent
    );
    expect(captions).toEqual(['rmse by step', 'mae by step']);
    expect(RecordingRenderer.specs).toEqual([
      chart('rmse by step').spec,
      chart('mae by step').spec
    ]);
  });

  it('says the renderer is missing instead of drawing anything else', () => {
    for (const registry of [null, new RenderMimeRegistry()]) {
      const widget = chartsWidget([chart('rmse by step')], registry);
      expect(widget.node.querySelector('figcaption')).toBeNull();
      expect(widget.node.textContent).toContain('Vega-Lite renderer');
    }
  });
});
