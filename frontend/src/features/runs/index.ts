/** The runs feature's public surface: pages for the router and the live-update sink for the stream. */
export { RunsPage } from "./components/RunsPage";
export { RunDetailPage } from "./components/RunDetailPage";
export { createRunEventSink, type RunEventSink } from "./liveUpdates";
export { runKeys } from "./api";
