/** The worker feature's public surface: the identity query. */
export { useWorkerInfo, workerKeys } from "./api";
