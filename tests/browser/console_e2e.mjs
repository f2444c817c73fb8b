// End-to-end test of the web console in Debian's chromium (playwright-core).
// Run by browser_test.cpp, which starts picbot and the fake OpenRouter and
// passes: CONSOLE_URL, CONSOLE_PASSWORD, MODEL_NAME (to set), QUOTA_LIMIT (to
// set), SCREENSHOT_DIR, CHROMIUM. The logs page is checked for colour by
// level, the level filter, search, download and pause. Exits 0 when every step passed; on failure
// prints the step and saves SCREENSHOT_DIR/console-failure.png.
import {readFileSync} from "node:fs";
import {env, launchChromium, pollerFor, collectProblems} from "./e2e_common.mjs";

const url = env("CONSOLE_URL"), password = env("CONSOLE_PASSWORD");
const model = env("MODEL_NAME"), quota = env("QUOTA_LIMIT"), shots = env("SCREENSHOT_DIR");

const browser = await launchChromium();
const page = await browser.newPage({viewport: {width: 1100, height: 900}});
// Expected refusals (wrong password 401, invalid config 400) are part of the
// test; a missing file or a server error is a problem.
const problems = collectProblems(page);
page.setDefaultTimeout(15000);

let step = "start";
const waitFor = pollerFor(page);
async function sendInSandbox(text, admin) {
  await page.fill("#sandbox-user", "10001");
  await page.fill("#sandbox-group", "20001");
  await page.setChecked("#sandbox-admin", admin);
  const before = await page.locator(".bubble.out").count();
  await page.fill("#sandbox-text", text);
  await page.click("#sandbox-send");
  return before;
}

try {
  step = "login page";
  await page.goto(url + "/");
  await page.waitForURL(/\/login$/);
  await page.fill("#password", "wrong password");
  await page.click("#login-button");
  await page.waitForSelector("#login-error:not(:empty)");
  const refused = await page.textContent("#login-error");
  if (refused !== "密码错误 / Wrong password") throw new Error("login error text: " + refused);

  step = "login: a rate-limit wait reads as a duration";
  // A real limit would lock this client out for the rest of the test: the 429 is answered here.
  const limitedLogin = (route) => route.request().method() === "POST"
    ? route.fulfill({status: 429, contentType: "application/json",
                     body: JSON.stringify({error: "too_many_attempts", retry_after_seconds: 272})})
    : route.continue();
  await page.route("**/login", limitedLogin);
  await page.fill("#password", "wrong again");
  await page.click("#login-button");
  // Not page.waitForFunction: its re-evaluation is eval, which the page's CSP refuses.
  await waitFor(() => document.querySelector("#login-error").textContent.includes("4 min"));
  const limited = await page.textContent("#login-error");
  if (limited !== "失败次数过多，请 4 分 32 秒后再试 / Too many failed attempts, try again in 4 min 32 s")
    throw new Error("rate-limit text: " + limited);
  await page.unroute("**/login", limitedLogin);

  step = "login";
  await page.fill("#password", password);
  await page.click("#login-button");
  await page.waitForSelector("#nav a[data-page=status]");

  step = "status page";
  await page.waitForSelector("#stat-in");

  step = "config: validation error next to the field";
  await page.goto(url + "/#config");
  await page.waitForSelector("#config-form");
  await page.click('#config-tabs [data-tab="plugins"]');
  const retries = "#f-plugins-gemini_pic_gen-max_retry_attempts";
  const previousRetries = await page.inputValue(retries);
  await page.fill(retries, "three");
  await page.click("#config-save");
  await page.waitForSelector("#config-invalid");
  const fieldError = await page.textContent(
    '[data-path="plugins.gemini_pic_gen.max_retry_attempts"] > .field-error');
  if (!fieldError || !fieldError.length) throw new Error("no error shown next to max_retry_attempts");

  step = "config: change model_name and a quota limit, save";
  await page.fill(retries, previousRetries);
  await page.fill("#f-plugins-gemini_pic_gen-model_name", model);
  await page.setChecked("#f-plugins-gemini_pic_gen-rate_limit-enabled", true);
  await page.fill("#f-plugins-gemini_pic_gen-rate_limit-default_limit", quota);
  await page.click("#config-save");
  await page.click("#config-diff-save");
  await page.waitForSelector("#config-saved");
  const secret = await page.inputValue("#f-plugins-gemini_pic_gen-openrouter_api_keys");
  if (!secret.includes("…")) throw new Error("the API key is not shown masked: " + secret.length + " chars");

  step = "config: the saved values show after a reload of the page";
  await page.reload();
  await page.waitForSelector("#config-form");
  await page.click('#config-tabs [data-tab="plugins"]');
  if (await page.inputValue("#f-plugins-gemini_pic_gen-model_name") !== model) throw new Error("model_name did not stick");
  if (await page.inputValue("#f-plugins-gemini_pic_gen-rate_limit-default_limit") !== quota) throw new Error("default_limit did not stick");

  step = "sandbox: /ping";
  await page.goto(url + "/#sandbox");
  await page.waitForSelector("#sandbox-form");
  let before = await sendInSandbox("/ping", false);
  await waitFor((n) => {
    const out = document.querySelectorAll(".bubble.out");
    return out.length > n && out[out.length - 1].textContent.includes("pong");
  }, before);

  step = "sandbox: the running bot uses the new model (/banana model)";
  before = await sendInSandbox("/banana model", true);
  await waitFor(([n, m]) => {
    const out = document.querySelectorAll(".bubble.out");
    return out.length > n && out[out.length - 1].textContent.includes(m);
  }, [before, model]);

  step = "sandbox: /draw shows the image";
  before = await sendInSandbox("/draw a cat", false);
  await waitFor((n) => {
    const out = document.querySelectorAll(".bubble.out");
    const images = document.querySelectorAll(".bubble.out img.sandbox-image");
    return out.length > n && images.length > 0 && images[images.length - 1].complete &&
           images[images.length - 1].naturalWidth > 0;
  }, before, 30000);

  step = "logs page";
  await page.goto(url + "/#logs");
  await waitFor(() => (document.getElementById("log-lines") || {}).textContent?.includes("config saved"));

  step = "logs: coloured by level";
  // The wrong password at the start logged a warning; "config saved" is info.
  const lineColour = (text) => page.evaluate((x) => {
    const line = [...document.querySelectorAll("#log-lines .log-line")].find((l) => l.textContent.includes(x));
    return line ? line.dataset.level + " " + getComputedStyle(line).color : "missing";
  }, text);
  const warning = await lineColour("failed login"), info = await lineColour("config saved");
  if (!warning.startsWith("warning ") || !info.startsWith("info ") || warning.split(" ").slice(1).join(" ") ===
      info.split(" ").slice(1).join(" ")) {
    throw new Error(`a warning and an info line look alike: ${warning} / ${info}`);
  }

  step = "logs: level filter";
  await page.selectOption("#log-level", "warning");
  await waitFor(() => {
    const lines = [...document.querySelectorAll("#log-lines .log-line")];
    return lines.length > 0 && lines.every((l) => ["warning", "error", "critical"].includes(l.dataset.level)) &&
           lines.some((l) => l.textContent.includes("failed login"));
  });

  step = "logs: search";
  await page.selectOption("#log-level", "");
  await page.fill("#log-search", "CONFIG SAVED");
  await waitFor(() => {
    const lines = [...document.querySelectorAll("#log-lines .log-line")];
    return lines.length > 0 && lines.every((l) => l.textContent.toLowerCase().includes("config saved"));
  });
  await page.fill("#log-search", "no line says this 7f3a");
  await waitFor(() => document.querySelector("#log-lines .log-empty") !== null);

  step = "logs: download what the filters select";
  await page.fill("#log-search", "config saved");
  await waitFor(() => document.querySelectorAll("#log-lines .log-line").length > 0);
  if (!(await page.getAttribute("#log-download", "href")).includes("q=config%20saved")) throw new Error("download ignores the search");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#log-download")]);
  const saved = readFileSync(await download.path(), "utf8").split("\n").filter((l) => l !== "");
  if (download.suggestedFilename() !== "picbot.log") throw new Error("download name: " + download.suggestedFilename());
  if (!saved.length || !saved.every((l) => l.includes("config saved"))) throw new Error("download: " + saved.join("\n"));

  step = "logs: pause keeps the lines and counts the new ones";
  await page.fill("#log-search", "failed login");
  await waitFor(() => {
    const lines = [...document.querySelectorAll("#log-lines .log-line")];
    return lines.length > 0 && lines.every((l) => l.textContent.includes("failed login"));
  });
  await page.click("#log-pause");
  const frozen = await page.textContent("#log-lines");
  // One more failed login, then wait until a poll has seen it.
  const waiting = await page.evaluate(async () => {
    await fetch("/login", {method: "POST", headers: {"Content-Type": "application/json"}, body: "{\"password\":\"x\"}"});
    const answer = await (await fetch("/api/logs?lines=500&q=failed%20login")).json();
    return answer.lines.length - document.querySelectorAll("#log-lines .log-line").length;
  });
  if (waiting < 1) throw new Error("the new failed login is not in the log");
  await waitFor((n) => {
    const count = (document.getElementById("log-note").textContent.match(/\d+/) || ["0"])[0];
    return Number(count) >= n;
  }, waiting);
  if (await page.textContent("#log-lines") !== frozen) throw new Error("the paused log changed");
  const resumed = (await page.locator("#log-lines .log-line").count()) + waiting;
  await page.click("#log-pause");
  await waitFor((n) => document.querySelectorAll("#log-lines .log-line").length >= n, resumed);

  step = "status page: the plugin's section shows the model and the drawing";
  await page.goto(url + "/#status");
  await waitFor((m) => {
    const section = document.querySelector('[data-plugin="gemini_pic_gen"]');
    // The key's state is a label now (not the word "active"); the drawing is a bar of the chart.
    return section && section.textContent.includes(m) && section.querySelector('tr[data-status="active"]') !== null &&
           section.querySelector("#chart-hourly .bar-success") !== null;
  }, model);

  step = "phone layout";
  await page.setViewportSize({width: 390, height: 844});
  await page.goto(url + "/#status");
  await page.waitForSelector("#stat-in");
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  if (wide > 400) throw new Error("the status page scrolls sideways on a phone: " + wide + "px");
  await page.screenshot({path: shots + "/console-phone.png", fullPage: true});
  if (problems.length) throw new Error(problems.join("\n"));
  console.log("browser test passed");
  await browser.close();
  process.exit(0);
} catch (error) {
  console.error(`browser test failed at step "${step}": ${error.message}`);
  for (const p of problems) console.error(p);
  await page.screenshot({path: shots + "/console-failure.png", fullPage: true}).catch(() => {});
  console.error(`screenshot: ${shots}/console-failure.png`);
  await browser.close();
  process.exit(1);
}
