/** The session feature's public surface: the 401 signal store and the token page. */
export { sessionStore, useNeedsToken } from "./store";
export { TokenPage } from "./components/TokenPage";
