// The settings page in Debian's chromium (playwright-core): sections as tabs,
// the search box, one switch per plugin, presets as a table, and the diff
// shown before a save (secrets masked). Run by browser_test.cpp with
// CONSOLE_URL, CONSOLE_PASSWORD, SECRET (must not show), SCREENSHOT_DIR,
// CHROMIUM. Exits 0 when every step passed; on failure prints the step and
// saves SCREENSHOT_DIR/settings-failure.png.
import {env, launchChromium, pollerFor, logIn, collectProblems} from "./e2e_common.mjs";

const url = env("CONSOLE_URL"), password = env("CONSOLE_PASSWORD"), secret = env("SECRET");
const shots = env("SCREENSHOT_DIR");

const browser = await launchChromium();
const page = await browser.newPage({viewport: {width: 1100, height: 900}});
const problems = collectProblems(page);
page.setDefaultTimeout(15000);
const waitFor = pollerFor(page);
const visible = (selector) => page.locator(selector).isVisible();

let step = "login";
try {
  await logIn(page, url, password);

  step = "tabs: one section shows at a time";
  await page.goto(url + "/#config");
  await page.waitForSelector("#config-form");
  if (!(await visible("#f-log_level"))) throw new Error("the general tab does not show log_level");
  if (await visible("#f-bot-language")) throw new Error("the bot section shows outside its tab");
  await page.click('#config-tabs [data-tab="bot"]');
  if (!(await visible("#f-bot-language"))) throw new Error("the bot tab does not show bot.language");
  if (await visible("#f-log_level")) throw new Error("log_level shows on the bot tab");
  const keyPath = await page.textContent('[data-path="bot.language"] > .key-path');
  if (keyPath !== "bot.language") throw new Error("no key path under the label: " + keyPath);

  step = "search: matching fields across tabs";
  await page.fill("#config-search", "max_turns");
  await waitFor(() => {
    const shown = (s) => { const n = document.querySelector(s); return n && n.offsetParent !== null; };
    return shown("#f-llm-context-max_turns") && !shown("#f-bot-language") && !shown("#f-log_level");
  });
  await page.fill("#config-search", "");
  await waitFor(() => document.querySelector("#f-bot-language").offsetParent !== null);

  step = "one switch per plugin";
  await page.click('#config-tabs [data-tab="plugins"]');
  const switches = await page.locator('[data-path="plugins.gemini_pic_gen"] input[type=checkbox].plugin-switch').count();
  if (switches !== 1) throw new Error("switches for gemini_pic_gen: " + switches);
  if (await page.locator("#f-plugins-gemini_pic_gen-enabled").count()) throw new Error("a second enabled box");

  step = "presets: a table, a row added";
  const presets = '[data-path="plugins.gemini_pic_gen.presets"]';
  await page.waitForSelector(presets + " table.map-table");
  const rows = await page.locator(presets + " tr.map-row").count();
  await page.click(presets + " .map-add");
  await page.locator(presets + " tr.map-row .map-key").last().fill("cat");
  await page.locator(presets + " tr.map-row .map-value").last().fill("a cat on a mat");
  if (await page.locator(presets + " tr.map-row").count() !== rows + 1) throw new Error("no row added");

  step = "save: the diff shows first, Cancel writes nothing";
  await page.click("#config-save");
  await page.waitForSelector("#config-diff[open]");
  const diff = await page.textContent("#config-diff-text");
  if (!diff.includes("+") || !diff.includes("a cat on a mat")) throw new Error("the diff lacks the new preset:\n" + diff);
  if (diff.includes(secret)) throw new Error("the diff shows a secret");
  await page.click("#config-diff-cancel");
  await waitFor(() => document.querySelector("#config-diff") === null);
  if (await page.locator("#config-saved").count()) throw new Error("Cancel saved");

  step = "save: Save in the dialog writes";
  await page.click("#config-save");
  await page.click("#config-diff-save");
  await page.waitForSelector("#config-saved");
  await page.reload();
  await page.waitForSelector("#config-form");
  await page.click('#config-tabs [data-tab="plugins"]');
  const keys = await page.locator(presets + " tr.map-row .map-key").evaluateAll((inputs) => inputs.map((i) => i.value));
  if (!keys.includes("cat")) throw new Error("the preset did not stick: " + keys.join(", "));

  step = "save: nothing changed says so";
  await page.click("#config-save");
  await page.waitForSelector("#config-unchanged");
  await page.screenshot({path: shots + "/settings.png", fullPage: true});
  if (problems.length) throw new Error(problems.join("\n"));
  console.log("settings browser test passed");
  await browser.close();
  process.exit(0);
} catch (error) {
  console.error(`settings browser test failed at step "${step}": ${error.message}`);
  for (const p of problems) console.error(p);
  await page.screenshot({path: shots + "/settings-failure.png", fullPage: true}).catch(() => {});
  await browser.close();
  process.exit(1);
}
