/** The health feature's public surface: the `/health` page and the stream handler. */
export { HealthPage } from "./components/HealthPage";
export { applyHealthEvent, healthKeys } from "./api";
