// Shared harness for the end-to-end tests: starts the tenant emulator with a
// scenario, and Debian's Chromium (through playwright-core) either mapped onto
// the emulator with Microsoft's real host names, or plain (for the demo mode).
// Every test and bench imports from here; the parts live in support/:
//   emulator.mjs  the emulator process, its control plane, scenarios and app configurations
//   browser.mjs   Chromium, a session (emulator + browser + page), screenshots, axe, downloads
//   tenant.mjs    the Work 365 preset, the emulator's tenant state and request log
//   pages.mjs     the app driven through its data-testid hooks (dashboard, steps, plan, guide)
export {
  ADMIN,
  CLIENT_ID,
  PRODUCTION_CONFIG,
  demoConfig,
  scenarioVariant,
  startEmulator,
} from "./support/emulator.mjs";
export {
  ARTIFACTS,
  CHROMIUM_ARGS,
  MICROSOFT_HOSTS,
  assertAccessible,
  assertNoMsalStubHit,
  assertOnlyCloudHosts,
  download,
  launchBrowser,
  openSession,
  screenshot,
  signInWithPopup,
  viewportScreenshot,
  watchMsalStubs,
} from "./support/browser.mjs";
export {
  ASSOCIATE_ROLE,
  CREATE_USER,
  EU_APP_ID,
  PRESET,
  US_APP_ID,
  WORK365_ROLES,
  appUser,
  assertConfigured,
  environment,
  heldRoles,
  lastSeq,
  loggedRequests,
  tenantWrites,
} from "./support/tenant.mjs";
export {
  FINAL_ROW_STATUSES,
  assertNoSecrets,
  confirmGuide,
  envRow,
  finishRun,
  openDashboard,
  openEnvironment,
  readPlan,
  rowStatuses,
  signInToDashboard,
  stepStatuses,
  waitForDashboard,
  waitForOutcome,
  waitForRowStatus,
  waitForStep,
  waitForStepsSettled,
} from "./support/pages.mjs";
