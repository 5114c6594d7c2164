// Integration tests start real servers (simulator, Azurite, API); jest ignores a per-project
// `testTimeout`, so the project sets its timeout here.
jest.setTimeout(60_000);
