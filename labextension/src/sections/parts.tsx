import * as React from 'react';

/** A paragraph saying why a section is empty, or what to do. */
export function Message(props: {
  children: React.ReactNode;
  error?: boolean;
}): JSX.Element {
  const error = props.error ? ' nbops-mod-error' : '';
  return <p className={`nbops-message${error}`}>{props.children}</p>;
}

/** A collapsible section (`<details>`) whose open state the panel keeps. */
export function Section(props: {
  id: string;
  title: string;
  open: boolean;
  onToggle: (id: string, open: boolean) => void;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <details
      className={`nbops-section nbops-section-${props.id}`}
      open={props.open}
      onToggle={event =>
        props.onToggle(props.id, (event.target as HTMLDetailsElement).open)
      }
    >
      <summary className="nbops-section-title">{props.title}</summary>
      {props.children}
    </details>
  );
}
