/** A coloured badge for a run or stage status; the text is always the status itself. */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge badge--${status.replace(/[^a-z_]/g, "")}`} data-status={status}>
      {status}
    </span>
  );
}
