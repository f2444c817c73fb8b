// The console notices when picbot goes away (issue 21 item 1), in Debian's
// chromium (playwright-core). Run by browser_test.cpp
// (TheConsoleNoticesWhenPicbotGoesAwayAndComesBack), which starts picbot and
// passes CONSOLE_URL, CONSOLE_PASSWORD, SCREENSHOT_DIR and CHROMIUM. The
// script prints "@@picbot stop" and "@@picbot start" for that side to stop
// picbot and start it again on the same port and data_dir. Checks: with the
// browser offline the banner shows, and back online the page refreshes
// without a new login; with picbot stopped the banner shows and the status
// page drops its numbers; Send and Settings say
// that picbot is unreachable; once picbot is back, the page goes to the
// login page and says the session ended; logging in again works. Exits 0
// when every step passed; on failure prints the step and saves
// SCREENSHOT_DIR/console-reconnect-failure.png.
import {env, launchChromium, pollerFor} from "./e2e_common.mjs";

const url = env("CONSOLE_URL"), password = env("CONSOLE_PASSWORD"), shots = env("SCREENSHOT_DIR");

const browser = await launchChromium();
const page = await browser.newPage({viewport: {width: 1100, height: 900}});
const problems = [];
// Refused connections and 401s are what this test provokes.
page.on("console", (m) => {
  if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push("console: " + m.text());
});
page.on("pageerror", (e) => problems.push("page error: " + e.message));
page.setDefaultTimeout(15000);
const waitFor = pollerFor(page);
const showPage = (name) => page.evaluate((n) => { location.hash = "#" + n; }, name);

let step = "start";
try {
  step = "login";
  await page.goto(url + "/login");
  await page.fill("#password", password);
  await page.click("#login-button");
  await page.waitForSelector("#stat-in");
  if (await page.isVisible("#conn-banner")) throw new Error("the banner shows while picbot runs");

  step = "the network goes away: the banner shows";
  await page.context().setOffline(true);
  await page.waitForSelector("#conn-banner", {state: "visible", timeout: 20000});
  await page.waitForSelector("#status-stale");

  step = "the network is back: the page refreshes, still logged in";
  await page.context().setOffline(false);
  await page.waitForSelector("#stat-in", {timeout: 20000});
  if (await page.isVisible("#conn-banner")) throw new Error("the banner stays");
  if (!page.url().endsWith("/#status") && !page.url().endsWith("/")) throw new Error("left the page: " + page.url());

  step = "picbot stops: the banner shows and the status page drops its numbers";
  console.log("@@picbot stop");
  await page.waitForSelector("#conn-banner", {state: "visible", timeout: 20000});
  const banner = await page.textContent("#conn-banner");
  if (banner !== "与 picbot 的连接已断开，正在重试…") throw new Error("banner: " + banner);
  await page.waitForSelector("#status-stale");
  if (await page.locator("#stat-in").count() !== 0) throw new Error("the status page still shows its numbers");

  step = "sandbox: Send while picbot is away says so";
  await showPage("sandbox");
  await page.waitForSelector("#sandbox-form");
  await page.fill("#sandbox-text", "/ping");
  await page.click("#sandbox-send");
  await waitFor(() => document.getElementById("sandbox-error").textContent.includes("无法连接 picbot"));
  if (await page.isDisabled("#sandbox-send")) throw new Error("Send stays disabled");
  if (await page.isVisible("#busy")) throw new Error("the busy indicator stays on");

  step = "settings: a load while picbot is away says so instead of spinning";
  await showPage("config");
  await page.waitForSelector("#config-load-error");
  if (!(await page.textContent("#config-load-error")).includes("无法连接 picbot")) throw new Error("no reason shown");

  step = "status page opened while picbot is away says so";
  await showPage("status");
  await page.waitForSelector("#status-stale");

  step = "picbot is back: the login page says the session ended";
  console.log("@@picbot start");
  await page.waitForURL(/\/login\?expired=1$/, {timeout: 30000});
  await page.waitForSelector("#login-notice", {state: "visible"});
  const notice = await page.textContent("#login-notice");
  if (!notice.includes("请重新登录") || !notice.includes("log in again")) throw new Error("notice: " + notice);

  step = "log in again";
  await page.fill("#password", password);
  await page.click("#login-button");
  await page.waitForSelector("#stat-in");
  if (await page.isVisible("#conn-banner")) throw new Error("the banner stays after the login");

  if (problems.length) throw new Error(problems.join("\n"));
  console.log("console reconnect e2e: ok");
  await browser.close();
  process.exit(0);
} catch (error) {
  console.error(`FAILED at step "${step}": ${error.message}`);
  for (const p of problems) console.error(p);
  await page.screenshot({path: `${shots}/console-reconnect-failure.png`, fullPage: true}).catch(() => {});
  await browser.close();
  process.exit(1);
}
