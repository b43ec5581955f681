/** The lock shown beside a setting or provider field given by flag or environment, which the UI cannot change. */
export function LockNote({ source }: { source: string }) {
  const by = source === "flag" ? "set by flag" : "set by environment";
  return (
    <span className="lock-note" data-testid="lock-note" title={`Locked: ${by}; change it where it is provisioned.`}>
      <span aria-hidden="true">🔒</span> {by}
    </span>
  );
}
