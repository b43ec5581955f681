/** The executors feature's public surface: the fleet panel and the stream handler. */
export { ExecutorFleet } from "./components/ExecutorFleet";
export { applyExecutorEvent, executorKeys } from "./api";
