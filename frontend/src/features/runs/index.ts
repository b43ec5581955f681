/**
 * The runs feature's public surface: pages for the router, list hooks for Home, the stream sink, and
 * the stage timeline and time-range filter that Ticket Audit shows too.
 */
export { RunsPage } from "./components/RunsPage";
export { RunDetailPage } from "./components/RunDetailPage";
export { createRunEventSink, type RunEventSink } from "./liveUpdates";
export { runDetailQuery, runKeys, runSample } from "./api";
export { CancelAction } from "./components/RunActions";
export { useRunsList } from "./hooks/useRunsList";
export { StageTimeline } from "./components/StageTimeline";
export { sortStagesChronologically } from "./timeline";
export { TimeRangeFilter } from "./components/TimeRangeFilter";
