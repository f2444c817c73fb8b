// The status dashboard and the sandbox in Debian's chromium (playwright-core),
// on a phone and on a desktop. Run by gemini_browser_test.cpp, which starts
// picbot with the fake OpenRouter scripted to answer the first drawing with
// 401 (so the key is disabled) and passes CONSOLE_URL, CONSOLE_PASSWORD,
// SCREENSHOT_DIR and CHROMIUM. Steps: a user id with a letter gets a message;
// /draw fails and the status page shows the hourly chart, the provider with
// its failure by class and the disabled key, whose re-enable button (in the
// provider's block) makes it active; in the sandbox the @bot button
// inserts the at code, an attached image goes with /draw, the chat is at its
// end once the drawn image has loaded, and quoting the drawn image draws
// again; the pages fit the phone's width. The C++ side checks what reached
// the fake OpenRouter. Exits 0 when every step passed; on failure prints the
// step and saves SCREENSHOT_DIR/dashboard-failure.png (on success, screenshots of
// the pages: dashboard-*.png).
import {env, launchChromium, pollerFor, logIn, fitsPhone} from "./e2e_common.mjs";

const url = env("CONSOLE_URL"), password = env("CONSOLE_PASSWORD"), shots = env("SCREENSHOT_DIR");
// A 1x1 PNG, the attachment.
const png = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");

const browser = await launchChromium();
const context = await browser.newContext({viewport: {width: 390, height: 844}, isMobile: true, hasTouch: true});
const page = await context.newPage();
const problems = [];
page.on("console", (m) => {
  if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push("console: " + m.text());
});
page.on("response", (r) => { if (r.status() >= 500) problems.push(`HTTP ${r.status()} ${r.url()}`); });
page.on("pageerror", (e) => problems.push("page error: " + e.message));
page.setDefaultTimeout(15000);

const waitFor = pollerFor(page);
const fitsTheScreen = () => fitsPhone(page);
const outImages = () => page.evaluate(() => [...document.querySelectorAll(".bubble.out img")]
  .filter((img) => img.complete && img.naturalWidth > 0).length);
const send = async (text) => {
  await page.fill("#sandbox-text", text);
  await page.click("#sandbox-send");
};

let step = "start";
try {
  step = "login";
  await logIn(page, url, password);

  step = "sandbox: a user id that is not a number gets a message";
  await page.goto(url + "/#sandbox");
  await page.waitForSelector("#sandbox-form");
  await page.fill("#sandbox-user", "10o01");
  await page.fill("#sandbox-group", "");
  await send("/ping");
  await waitFor(() => document.getElementById("sandbox-error").textContent.length > 0);
  if ((await page.textContent("#sandbox-error")).includes("500")) throw new Error("HTTP 500 shown");

  step = "sandbox: /draw fails with a disabled key";
  await page.fill("#sandbox-user", "10001");
  await send("/draw a cat");
  await waitFor(() => document.querySelectorAll(".bubble.out").length > 0);

  step = "status: chart, labels and the disabled key";
  await page.goto(url + "/#status");
  await waitFor(() => document.querySelector("#chart-hourly .bar-failure") !== null);
  const row = "table.keys tr[data-status=disabled]";
  await page.waitForSelector(row);
  if (await page.locator("#chart-hourly .chart-hour").count() !== 24) throw new Error("not 24 hours in the chart");
  const text = await page.textContent(".dashboard");
  if (text.includes("quota_denials") || text.includes("p50_seconds")) throw new Error("raw JSON keys shown: " + text);
  if (await page.locator("table.limiters tr[data-provider]").count() < 1) throw new Error("no upstream queue row");
  if (!(await fitsTheScreen())) throw new Error("the status page is wider than the phone");

  step = "status: the providers block names the provider and its failure by class";
  const provider = "#providers-gemini_pic_gen .provider[data-provider=openrouter]";
  await page.waitForSelector(provider + " li[data-result=invalid_key]");
  const heading = await page.textContent(provider + " h5");
  if (!heading.includes("openrouter") || !heading.includes("google/gemini-2.5-flash-image")) {
    throw new Error("provider heading: " + heading);
  }
  if (await page.locator(provider + " table.keys").count() !== 1) throw new Error("no keys table in the provider block");
  if (await page.locator("table.keys").count() !== 1) throw new Error("the keys are shown twice");

  await page.screenshot({path: `${shots}/dashboard-status-phone.png`, fullPage: true});
  step = "status: re-enable the key";
  await page.click(row + " button.enable-key");
  await page.waitForSelector("table.keys tr[data-status=active]");
  if (await page.locator("table.keys button.enable-key").count() !== 0) throw new Error("button left on an active key");

  step = "sandbox: layout and the @bot button";
  await page.goto(url + "/#sandbox");
  await page.waitForSelector("#sandbox-form");
  const widths = await page.evaluate(() => ({
    input: document.getElementById("sandbox-text").getBoundingClientRect().width,
    send: document.getElementById("sandbox-send").getBoundingClientRect().width,
    form: document.getElementById("sandbox-form").getBoundingClientRect().width,
  }));
  if (widths.input < widths.form * 0.6 || widths.send > widths.form * 0.3) throw new Error("layout: " + JSON.stringify(widths));
  await page.click("#sandbox-at");
  if (!(await page.inputValue("#sandbox-text")).startsWith("[CQ:at,qq=100000]")) throw new Error("no at code");
  await page.fill("#sandbox-text", "");
  if (!(await fitsTheScreen())) throw new Error("the sandbox is wider than the phone");

  step = "sandbox: attach an image and draw; the chat ends at the loaded image";
  await page.setInputFiles("#sandbox-file", {name: "ref.png", mimeType: "image/png", buffer: png});
  await page.waitForSelector("#sandbox-attached");
  await send("/draw make it blue");
  await waitFor(() => document.querySelectorAll(".bubble.in img").length > 0);
  await waitFor(() => [...document.querySelectorAll(".bubble.out img")].some((i) => i.complete && i.naturalWidth > 0),
                null, 30000);
  await waitFor(() => {
    const chat = document.getElementById("sandbox-chat");
    return chat.scrollTop + chat.clientHeight >= chat.scrollHeight - 2;
  });
  if (await page.locator("#sandbox-attached").count() !== 0) throw new Error("the attachment stayed after sending");

  step = "sandbox: quote the drawn image and draw again";
  const before = await outImages();
  await page.locator(".bubble.out:has(img) .quote").last().click();
  await page.waitForSelector("#sandbox-quoting");
  await send("/draw now red");
  await waitFor((n) => [...document.querySelectorAll(".bubble.out img")]
    .filter((i) => i.complete && i.naturalWidth > 0).length > n, before, 30000);
  await waitFor(() => {
    const chat = document.getElementById("sandbox-chat");
    return chat.scrollTop + chat.clientHeight >= chat.scrollHeight - 2;
  });

  await page.screenshot({path: `${shots}/dashboard-sandbox-phone.png`, fullPage: true});
  step = "status on a desktop";
  await page.setViewportSize({width: 1280, height: 900});
  await page.goto(url + "/#status");
  await page.waitForSelector("#chart-hourly .bar-success");
  const chart = await page.evaluate(() => document.getElementById("chart-hourly").getBoundingClientRect().width);
  if (chart < 400) throw new Error("chart too narrow on a desktop: " + chart);
  await page.screenshot({path: `${shots}/dashboard-status-desktop.png`, fullPage: true});

  if (problems.length) throw new Error(problems.join("\n"));
  console.log("dashboard e2e: ok");
  await browser.close();
} catch (error) {
  console.error(`FAILED at step "${step}": ${error.message}`);
  if (problems.length) console.error(problems.join("\n"));
  await page.screenshot({path: `${shots}/dashboard-failure.png`, fullPage: true}).catch(() => {});
  await browser.close();
  process.exit(1);
}
