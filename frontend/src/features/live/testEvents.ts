/** Test helpers: events shaped like the API's, with sensible defaults. */
import type { Event } from "../../api/types";

/** Event fields to override; `data` is any JSON (the generated type leaves it opaque). */
type Overrides = Omit<Partial<Event>, "data"> & { data?: unknown };

export function ev(seq: number, overrides: Overrides = {}): Event {
  const { data, ...rest } = overrides;
  return {
    seq,
    ts: `2026-01-01T00:00:${String(seq % 60).padStart(2, "0")}.000Z`,
    kind: "log",
    stage: null,
    attempt: null,
    stream: "stdout",
    text: `line ${seq}`,
    data: (data ?? null) as Event["data"],
    ...rest,
  };
}

export function logs(from: number, to: number, overrides: Overrides = {}): Event[] {
  const out: Event[] = [];
  for (let seq = from; seq <= to; seq++) out.push(ev(seq, overrides));
  return out;
}
