/** A quiet loading line for pages and sections waiting on the API. */
export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p className="muted" role="status">
      {label}
    </p>
  );
}
