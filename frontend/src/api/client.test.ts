/** Unit tests for parsing the API's error envelope. */
import { describe, expect, it } from "vitest";
import { ApiError, parseErrorBody } from "./client";

describe("parseErrorBody", () => {
  it("reads the envelope", () => {
    const body = JSON.stringify({ error: { code: "not_found", message: "run x not found", details: { id: "x" } } });
    const error = parseErrorBody(404, "Not Found", body);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, code: "not_found", message: "run x not found", details: { id: "x" } });
  });

  it("survives a body that is not the envelope", () => {
    expect(parseErrorBody(502, "Bad Gateway", "<html>proxy</html>")).toMatchObject({
      status: 502,
      code: "http_error",
      message: "HTTP 502: <html>proxy</html>",
    });
    expect(parseErrorBody(401, "Unauthorized", "")).toMatchObject({ code: "unauthorized" });
    expect(parseErrorBody(500, "", '{"error":"flat"}')).toMatchObject({ code: "http_error" });
  });
});
