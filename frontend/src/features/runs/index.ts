/** The runs feature's public surface: pages for the router, list hooks for Home, and the stream sink. */
export { RunsPage } from "./components/RunsPage";
export { RunDetailPage } from "./components/RunDetailPage";
export { createRunEventSink, type RunEventSink } from "./liveUpdates";
export { runKeys, runSample } from "./api";
export { useRunsList } from "./hooks/useRunsList";
