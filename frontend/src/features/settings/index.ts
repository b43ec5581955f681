/**
 * The settings feature's public surface: the `/settings` page, single settings for other pages
 * (retention notices, compliance badges, the default provider), and saving settings.
 */
export { SettingsPage } from "./components/SettingsPage";
export { ComplianceBadge } from "./components/ComplianceBadge";
export { EventsNotRetained } from "./components/EventsNotRetained";
export { useComplianceMode, useSetting } from "./hooks";
export { saveSettings, settingsKeys } from "./api";
