/** The home feature's public surface: the `/` page. */
export { HomePage } from "./components/HomePage";
