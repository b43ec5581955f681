/**
 * One file at the reconciled commit, with line numbers and a gutter marker on every attributed
 * line (coloured by status). Hovering or focusing a marker shows its evidence; clicking (or Enter)
 * pins it, and the pinned line is kept in the URL (`&line=`) so it can be shared. Keyboard: Tab
 * lands on one marker, ↑/↓ (or k/j) move between attributed blocks, Home/End jump, Escape closes.
 * Rows have one height and only those on screen are rendered, so long files stay fast.
 */
import { useQuery } from "@tanstack/react-query";
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { ApiError } from "../../../api/client";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { Loading } from "../../../components/Loading";
import { formatCount } from "../../audit";
import { fileQuery } from "../api";
import { adjacentSpan, markerSpans, spanAt, spanPosition, type MarkerSpan } from "../gutter";
import { LINE_STATUSES, shortCommit, STATUS_LABEL } from "../status";
import type { CodeFileLine, CodeFileView, LineStatus } from "../../../api/types";
import { scrollToReveal, visibleRows } from "../windowing";
import { LineEvidencePopover } from "./LineEvidencePopover";

const ROW = 20;
const HOVER_CLOSE_MS = 200;

interface LineProps {
  line: CodeFileLine;
  span: MarkerSpan | undefined;
  tabbable: boolean;
  open: boolean;
  target: boolean;
}

const CodeLine = memo(function CodeLine({ line, span, tabbable, open, target }: LineProps) {
  const evidence = line.evidence;
  return (
    <div
      className={`code-line${evidence ? ` code-line--attributed code-line--${evidence.status}` : ""}${line.number === 0 ? " code-line--note" : ""}${target ? " is-target" : ""}`}
      data-line={line.number}
      data-status={evidence?.status}
    >
      <span className="code-line__gutter">
        {evidence && span ? (
          <button
            type="button"
            className={`gutter-marker gutter-marker--${evidence.status} gutter-marker--${spanPosition(span, line.number)}`}
            data-testid="gutter-marker"
            data-line={line.number}
            data-status={evidence.status}
            data-run-id={evidence.run_id ?? ""}
            tabIndex={tabbable ? 0 : -1}
            aria-label={`Line ${line.number}: ${STATUS_LABEL[evidence.status]}, ${evidence.ticket_key}`}
            aria-expanded={open}
            aria-controls={open ? "line-evidence" : undefined}
          />
        ) : null}
      </span>
      {/* Number 0 is the server's note that a very large file was cut. */}
      <span className="code-line__num">{line.number === 0 ? "" : line.number}</span>
      <span className="code-line__text">{line.text}</span>
    </div>
  );
});

function countByStatus(lines: readonly CodeFileLine[]): Partial<Record<LineStatus, number>> {
  const counts: Partial<Record<LineStatus, number>> = {};
  for (const line of lines) {
    const status = line.evidence?.status;
    if (status) counts[status] = (counts[status] ?? 0) + 1;
  }
  return counts;
}

interface ListingProps {
  file: CodeFileView;
  pinnedLine: number | undefined;
  onPin: (line: number | undefined) => void;
}

function Listing({ file, pinnedLine, onPin }: ListingProps) {
  const { lines } = file;
  const firstNumber = lines[0]?.number ?? 1;
  const indexOf = useCallback((n: number) => Math.min(lines.length - 1, Math.max(0, n - firstNumber)), [lines.length, firstNumber]);
  const spans = useMemo(() => markerSpans(lines), [lines]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const frameRef = useRef<HTMLDivElement>(null);
  const [scroll, setScroll] = useState({ top: 0, viewport: 600 });
  const [active, setActive] = useState<number | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  const closeTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const pendingFocus = useRef<number | null>(null);

  const tabStop = active !== null && spanAt(spans, active) ? active : spans[0]?.start;
  const shownLine = pinnedLine ?? hover ?? undefined;
  const shownSpan = shownLine === undefined ? undefined : spanAt(spans, shownLine);

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const measure = () => {
      setScroll({ top: el.scrollTop, viewport: el.clientHeight });
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => {
      observer.disconnect();
    };
  }, []);

  /** Scrolls line `n` into view: just inside the edge, or (`roomy`) a third of the view in, with room below for its popover. */
  const reveal = useCallback(
    (n: number, roomy = false) => {
      const el = scrollRef.current;
      if (!el) return;
      const margin = roomy ? Math.floor(el.clientHeight / ROW / 3) : 2;
      const top = scrollToReveal(indexOf(n), el.scrollTop, el.clientHeight, ROW, margin);
      if (top === null) return;
      el.scrollTop = top;
      setScroll({ top: el.scrollTop, viewport: el.clientHeight });
    },
    [indexOf],
  );

  // A line opened from the URL (a shared link, Back) is scrolled into view, with context around it.
  useEffect(() => {
    if (pinnedLine !== undefined) reveal(pinnedLine, true);
  }, [pinnedLine, reveal]);

  // Focus moves after the row it goes to has rendered (it may have been scrolled into the window).
  useEffect(() => {
    const n = pendingFocus.current;
    if (n === null) return;
    pendingFocus.current = null;
    scrollRef.current?.querySelector<HTMLButtonElement>(`button.gutter-marker[data-line="${n}"]`)?.focus({ preventScroll: true });
  });

  useEffect(
    () => () => {
      if (closeTimer.current !== null) clearTimeout(closeTimer.current);
    },
    [],
  );

  // A pinned popover closes on a click anywhere outside the file view's frame.
  const pinned = pinnedLine !== undefined;
  useEffect(() => {
    if (!pinned) return;
    const onPointerDown = (e: PointerEvent) => {
      if (e.target instanceof Node && frameRef.current?.contains(e.target)) return;
      onPin(undefined);
    };
    document.addEventListener("pointerdown", onPointerDown);
    return () => {
      document.removeEventListener("pointerdown", onPointerDown);
    };
  }, [pinned, onPin]);

  const cancelClose = () => {
    if (closeTimer.current !== null) clearTimeout(closeTimer.current);
    closeTimer.current = null;
  };
  const scheduleClose = () => {
    cancelClose();
    closeTimer.current = setTimeout(() => {
      setHover(null);
    }, HOVER_CLOSE_MS);
  };

  const moveTo = (span: MarkerSpan | undefined) => {
    if (!span) return;
    setActive(span.start);
    setHover(span.start);
    // A pinned popover follows the keyboard.
    if (pinnedLine !== undefined) onPin(span.start);
    reveal(span.start);
    pendingFocus.current = span.start;
  };

  const markerLine = (target: EventTarget): number | null => {
    if (!(target instanceof HTMLElement) || !target.classList.contains("gutter-marker")) return null;
    const n = Number(target.dataset.line);
    return Number.isInteger(n) ? n : null;
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === "Escape") {
      if (pinnedLine === undefined && hover === null) return;
      // Focus goes back to the marker whose popover closed (it may be in a link of the popover).
      pendingFocus.current = pinnedLine ?? hover;
      if (pinnedLine !== undefined) onPin(undefined);
      setHover(null);
      e.preventDefault();
      return;
    }
    const n = markerLine(e.target);
    if (n === null) return;
    switch (e.key) {
      case "ArrowDown":
      case "j":
        moveTo(adjacentSpan(spans, spanAt(spans, n)?.end ?? n, 1));
        break;
      case "ArrowUp":
      case "k":
        moveTo(adjacentSpan(spans, spanAt(spans, n)?.start ?? n, -1));
        break;
      case "Home":
        moveTo(spans[0]);
        break;
      case "End":
        moveTo(spans[spans.length - 1]);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const range = visibleRows(scroll.top, scroll.viewport, ROW, lines.length);
  const rows = lines.slice(range.start, range.end);
  // The popover sits below its line, outside the scroll area (which would clip it in a short
  // file), and follows the line while it is scrolled; it hides when the line leaves the view.
  const popoverTop = shownLine === undefined ? null : (indexOf(shownLine) + 1) * ROW - scroll.top;
  const popoverVisible = popoverTop !== null && popoverTop >= ROW && popoverTop <= scroll.viewport;

  return (
    <div className="code-listing">
      <div className="actions code-listing__nav" role="toolbar" aria-label="Attributed blocks">
        <span className="muted">
          {formatCount(spans.length)} attributed block{spans.length === 1 ? "" : "s"}
        </span>
        <button
          type="button"
          className="button button--small"
          disabled={spans.length === 0}
          onClick={() => {
            moveTo(tabStop === undefined ? spans[0] : (adjacentSpan(spans, tabStop, -1) ?? spans[spans.length - 1]));
          }}
        >
          ↑ Previous
        </button>
        <button
          type="button"
          className="button button--small"
          disabled={spans.length === 0}
          onClick={() => {
            const from = tabStop === undefined ? undefined : spanAt(spans, tabStop);
            moveTo(from ? (adjacentSpan(spans, from.end, 1) ?? spans[0]) : spans[0]);
          }}
        >
          ↓ Next
        </button>
      </div>
      {/* Marker events are delegated to the frame, which also holds the popover, so focus and the
          pointer can move from a marker into the popover without closing it. */}
      <div
        ref={frameRef}
        className="code-frame"
        onKeyDown={onKeyDown}
        onClick={(e) => {
          const n = markerLine(e.target);
          if (n === null) return;
          setActive(n);
          onPin(pinnedLine === n ? undefined : n);
        }}
        onMouseOver={(e) => {
          const n = markerLine(e.target);
          if (n === null) return;
          cancelClose();
          setHover(n);
        }}
        onMouseOut={(e) => {
          if (markerLine(e.target) !== null) scheduleClose();
        }}
        onFocus={(e) => {
          const n = markerLine(e.target);
          if (n === null) return;
          cancelClose();
          setActive(n);
          setHover(n);
        }}
        onBlur={(e) => {
          if (!(e.relatedTarget instanceof Node) || !e.currentTarget.contains(e.relatedTarget)) scheduleClose();
        }}
      >
        <div
          ref={scrollRef}
          className="code-scroll"
          style={{ height: `min(70vh, ${lines.length * ROW + 2}px)` }}
          role="region"
          aria-label={`${file.path} at ${shortCommit(file.commit)}`}
          tabIndex={spans.length === 0 ? 0 : -1}
          onScroll={(e) => {
            const el = e.currentTarget;
            setScroll({ top: el.scrollTop, viewport: el.clientHeight });
          }}
        >
          <div className="code-spacer" style={{ height: lines.length * ROW }}>
            <div className="code-rows" style={{ transform: `translateY(${range.start * ROW}px)` }}>
              {rows.map((line) => (
                <CodeLine
                  key={line.number}
                  line={line}
                  span={line.evidence ? spanAt(spans, line.number) : undefined}
                  tabbable={line.number === tabStop}
                  open={shownLine === line.number}
                  target={pinnedLine === line.number}
                />
              ))}
            </div>
          </div>
        </div>
        {shownLine !== undefined && shownSpan && popoverVisible ? (
          <LineEvidencePopover
            line={shownLine}
            span={shownSpan}
            pinned={pinnedLine === shownLine}
            external={shownSpan.evidence.external}
            style={{ top: popoverTop }}
            onClose={() => {
              onPin(undefined);
              setHover(null);
              pendingFocus.current = shownLine;
            }}
            onMouseEnter={cancelClose}
            onMouseLeave={() => {
              if (pinnedLine === undefined) scheduleClose();
            }}
          />
        ) : null}
      </div>
    </div>
  );
}

interface Props {
  repoId: string;
  path: string;
  pinnedLine: number | undefined;
  onPin: (line: number | undefined) => void;
  onClose: () => void;
}

export function FileView({ repoId, path, pinnedLine, onPin, onClose }: Props) {
  const { data, isPending, isError, error } = useQuery(fileQuery(repoId, path));
  const counts = useMemo(() => (data ? countByStatus(data.lines) : {}), [data]);
  const attributed = Object.values(counts).reduce((a, b) => a + b, 0);

  return (
    <section className="panel code-section" id="code-file" aria-labelledby="code-file-title" data-testid="code-file-view" data-path={path}>
      <div className="page__header">
        <h2 id="code-file-title" className="mono">
          {path}
        </h2>
        <button type="button" className="button button--small" onClick={onClose}>
          Close file
        </button>
      </div>
      {isPending ? (
        <Loading label={`Loading ${path}…`} />
      ) : isError ? (
        error instanceof ApiError && error.status === 404 ? (
          <div className="notice" role="alert" data-testid="code-file-missing">
            <strong>Not in the reconciled commit</strong>
            <p>
              <code>{path}</code> does not exist at the commit the repository was last reconciled to (it was deleted or
              renamed, or its run is not merged yet). Its evidence is still listed in the files table and the exports.
            </p>
          </div>
        ) : (
          <ErrorNotice error={error} title={`Could not load ${path}`} />
        )
      ) : (
        <>
          <p className="muted code-file__meta">
            At commit <code title={data.commit}>{shortCommit(data.commit)}</code> · {formatCount(data.lines.length)} line
            {data.lines.length === 1 ? "" : "s"} · {formatCount(attributed)} attributed
            {LINE_STATUSES.filter((s) => counts[s]).map((s) => (
              <span key={s} className="code-file__count">
                {" "}
                · <span className={`code-swatch code-swatch--${s}`} aria-hidden="true" /> {formatCount(counts[s] ?? 0)} {STATUS_LABEL[s]}
              </span>
            ))}
          </p>
          {data.lines.length === 0 ? <p className="muted">The file is empty.</p> : <Listing file={data} pinnedLine={pinnedLine} onPin={onPin} />}
        </>
      )}
    </section>
  );
}
