/** The layout every route renders in: header, then the page — or the token page when one is needed. */
import { Outlet } from "react-router";
import { TokenPage, useNeedsToken } from "../features/session";
import { Header } from "./Header";

export function Shell() {
  const needsToken = useNeedsToken();
  return (
    <div className="app">
      <Header />
      <main className="main">{needsToken ? <TokenPage /> : <Outlet />}</main>
    </div>
  );
}
