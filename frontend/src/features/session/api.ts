/** `POST /api/v1/session`: trades the access token for an HttpOnly session cookie. */
import { apiRequest } from "../../api/client";

export function createSession(token: string): Promise<void> {
  return apiRequest<undefined>("/api/v1/session", { method: "POST", body: { token } });
}
