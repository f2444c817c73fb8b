// Helpers shared by the console's browser scripts (tests/browser/*_e2e.mjs):
// required environment variables, launching Debian's chromium, logging in,
// and polling the page under the console's CSP.
import {chromium} from "playwright-core";

// The value of a required environment variable; throws when it is not set.
export const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

// Chromium from $CHROMIUM (default /usr/bin/chromium), headless and sandbox-free for CI.
export const launchChromium = () =>
  chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });

// waitFor(fn, arg, timeout) for page: polls fn(arg) in the page until it is
// true or the deadline passes. (page.waitForFunction re-evaluates through
// eval, which the console's CSP forbids.)
export const pollerFor = (page) => async (fn, arg, timeout = 15000) => {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await page.evaluate(fn, arg)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("timed out waiting for " + fn.toString().slice(0, 200));
};

// Opens the login page, logs in with password and waits until the console's
// navigation is there.
export const logIn = async (page, url, password) => {
  await page.goto(url + "/login");
  await page.fill("#password", password);
  await page.click("#login-button");
  await page.waitForSelector("#nav a[data-page=status]", {state: "attached"});
};

// The problems a page shows while a script drives it: console errors (but
// "Failed to load resource", which expected 401/400 refusals print), a 404
// or 5xx answer, an uncaught page error. Returns the list it fills.
export const collectProblems = (page) => {
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push("console: " + m.text());
  });
  page.on("response", (r) => { if (r.status() === 404 || r.status() >= 500) problems.push(`HTTP ${r.status()} ${r.url()}`); });
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  return problems;
};

// Whether the page fits a phone `width` CSS pixels wide. Chromium widens a
// phone's layout viewport to content that does not fit, so the width is
// compared with the phone's own, not with window.innerWidth alone.
export const fitsPhone = (page, width = 390) =>
  page.evaluate((w) => window.innerWidth <= w && document.documentElement.scrollWidth <= w + 1, width);
