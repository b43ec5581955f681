/** Client routes. Every path renders inside the shell; unknown ones get the not-found page. */
import { createBrowserRouter, Navigate } from "react-router";
import { RunDetailPage, RunsPage } from "../features/runs";
import { NotFoundPage } from "./NotFoundPage";
import { RouteError } from "./RouteError";
import { Shell } from "./Shell";

export function createRouter() {
  return createBrowserRouter([
    {
      element: <Shell />,
      errorElement: <RouteError />,
      children: [
        { index: true, element: <Navigate to="/runs" replace /> },
        { path: "runs", element: <RunsPage /> },
        { path: "runs/:runId", element: <RunDetailPage /> },
        { path: "*", element: <NotFoundPage /> },
      ],
    },
  ]);
}
