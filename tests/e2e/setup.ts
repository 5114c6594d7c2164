// Browser tests drive headless Chromium against the whole stack; jest ignores a per-project
// `testTimeout`, so the project sets its timeout here.
jest.setTimeout(180_000);
