import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import { PartialJSONObject } from '@lumino/coreutils';
import * as React from 'react';

import { VEGALITE_MIME } from '../widgets/compareView';
import { Message } from './parts';
import { ISectionContext } from './registry';

/**
 * The Chart section: the selected run's metrics, a line per metric, drawn by JupyterLab's
 * Vega-Lite renderer. A RUNNING run is followed: the sidebar's poll describes it again until it
 * ends, and the chart is drawn again whenever its values changed.
 */
export function ChartSection({ ctx }: { ctx: ISectionContext }): JSX.Element {
  const { model, trans, rendermime } = ctx;
  const detail = model.detail;
  if (!detail || model.selected.length !== 1) {
    return (
      <Message>{trans.__('Select one run to chart its metrics.')}</Message>
    );
  }
  const spec = detail.chart?.spec;
  const values = (spec?.data as { values?: unknown[] } | undefined)?.values;
  const points = values?.length ?? 0;
  if (!spec || points === 0) {
    return (
      <Message>
        {trans.__('%1 has logged no metric yet.', detail.name || detail.run_id)}
      </Message>
    );
  }
  if (!rendermime) {
    return (
      <Message error>
        {trans.__("The chart needs JupyterLab's Vega-Lite renderer.")}
      </Message>
    );
  }
  const running = detail.status === 'RUNNING';
  return (
    <div
      className="nbops-run-chart"
      data-run-id={detail.run_id}
      data-points={points}
      data-status={detail.status}
    >
      <div className="nbops-chart-caption">
        {running
          ? trans.__('%1: running, followed as it logs', detail.name)
          : trans.__('%1: %2', detail.name, detail.status.toLowerCase())}
      </div>
      <RenderedChart spec={spec} rendermime={rendermime} />
    </div>
  );
}

const AXIS_PX = 60;
const MIN_WIDTH_PX = 120;

/** A Vega-Lite specification drawn (as SVG) by the rendermime registry's renderer. */
function RenderedChart(props: {
  spec: PartialJSONObject;
  rendermime: IRenderMimeRegistry;
}): JSX.Element {
  const host = React.useRef<HTMLDivElement>(null);
  const text = JSON.stringify(props.spec);
  React.useEffect(() => {
    const renderer = props.rendermime.createRenderer(VEGALITE_MIME);
    renderer.addClass('nbops-chart');
    host.current?.appendChild(renderer.node);
    // as wide as the sidebar (the axis's labels and title take about 60 px), legend below
    const room = (host.current?.clientWidth ?? 0) - AXIS_PX;
    const spec = {
      ...JSON.parse(text),
      ...(room > MIN_WIDTH_PX ? { width: room } : {}),
      config: { legend: { orient: 'bottom' } }
    };
    void renderer.renderModel(
      new MimeModel({
        data: { [VEGALITE_MIME]: spec },
        metadata: {
          [VEGALITE_MIME]: {
            embed_options: { renderer: 'svg', actions: false }
          }
        },
        trusted: true
      })
    );
    return () => {
      renderer.dispose();
      renderer.node.remove();
    };
  }, [text, props.rendermime]);
  return <div className="nbops-chart-host" ref={host} />;
}
