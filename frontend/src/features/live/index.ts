/** The live stream viewer's public surface: its page for the router. */
export { LivePage } from "./components/LivePage";
