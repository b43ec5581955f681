/** The app root: query cache, the 401 → token page wiring, the worker stream and the router. */
import { QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { RouterProvider } from "react-router";
import { setUnauthorizedListener } from "../api/client";
import { sessionStore } from "../features/session";
import { createQueryClient } from "./queryClient";
import { createRouter } from "./router";
import { WorkerStream } from "./WorkerStream";

export function App() {
  const [queryClient] = useState(createQueryClient);
  const [router] = useState(createRouter);

  useEffect(() => {
    setUnauthorizedListener(() => {
      sessionStore.requireToken();
    });
    return () => {
      setUnauthorizedListener(null);
    };
  }, []);

  return (
    <QueryClientProvider client={queryClient}>
      <WorkerStream>
        <RouterProvider router={router} />
      </WorkerStream>
    </QueryClientProvider>
  );
}
