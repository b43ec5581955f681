/**
 * Reading single settings elsewhere in the app (the retention notices, the compliance badges, the
 * default provider): one cached `GET /api/v1/settings` shared by every caller.
 */
import { useQuery } from "@tanstack/react-query";
import type { SettingView } from "../../api/types";
import { settingsQuery } from "./api";

/** One setting's view, or undefined while loading (or when the request failed). */
export function useSetting(name: string): SettingView | undefined {
  const { data } = useQuery(settingsQuery());
  return data?.settings[name];
}

/** Whether compliance mode is on (false until known). */
export function useComplianceMode(): boolean {
  return useSetting("compliance_mode")?.value === true;
}
