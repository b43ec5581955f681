/** The providers feature's public surface: the `/providers` page for the router. */
export { ProvidersPage } from "./components/ProvidersPage";
