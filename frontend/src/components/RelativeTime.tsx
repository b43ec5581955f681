/** A timestamp shown relative to `now` ("5m ago") with the absolute time in its title. */
import { formatAbsolute, formatRelative } from "../lib/format";

export function RelativeTime({ iso, now }: { iso: string; now: number }) {
  return (
    <time dateTime={iso} title={formatAbsolute(iso)}>
      {formatRelative(iso, now)}
    </time>
  );
}
