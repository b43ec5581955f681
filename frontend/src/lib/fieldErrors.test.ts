/** Unit tests for reading 422 field errors and 409 conflicts out of API errors. */
import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import { conflictMessage, fieldErrorsOf } from "./fieldErrors";

const invalid = new ApiError(422, "validation_failed", "2 fields are invalid", {
  fields: [
    { path: "settings.base_url", code: "invalid", message: "must be an http(s) URL" },
    { path: "settings.base_url", code: "invalid", message: "second" },
    { path: "command_timeout_seconds", code: "invalid", message: "must be an integer from 1 to 86400" },
    { nonsense: true },
  ],
});

describe("fieldErrorsOf", () => {
  it("keys messages by path, stripping the prefix and keeping the first per field", () => {
    expect(fieldErrorsOf(invalid, "settings.")).toEqual({
      base_url: "must be an http(s) URL",
      command_timeout_seconds: "must be an integer from 1 to 86400",
    });
    expect(fieldErrorsOf(invalid)).toHaveProperty("settings.base_url");
  });

  it("is empty for anything but a 422 with field details", () => {
    expect(fieldErrorsOf(new ApiError(409, "conflict", "locked"))).toEqual({});
    expect(fieldErrorsOf(new ApiError(422, "validation_failed", "x", null))).toEqual({});
    expect(fieldErrorsOf(new Error("boom"))).toEqual({});
  });
});

describe("conflictMessage", () => {
  it("answers the message of a 409 only", () => {
    expect(conflictMessage(new ApiError(409, "conflict", "locked settings cannot be changed"))).toBe(
      "locked settings cannot be changed",
    );
    expect(conflictMessage(invalid)).toBeNull();
  });
});
