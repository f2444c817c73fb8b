// gemini_pic_gen's console pages in Debian's chromium (playwright-core), on a
// phone-sized viewport. Run by gemini_browser_test.cpp, which starts picbot
// (quotas on, default_limit 3) with the fake OpenRouter and passes
// CONSOLE_URL, CONSOLE_PASSWORD, SCREENSHOT_DIR and CHROMIUM. Draws once in
// the sandbox as user 10001, then: the Quotas page shows user:10001 at 1 / 3
// and its reset button (after the confirmation) clears it; the Gallery page
// shows the image (loaded) with its prompt, and Delete (after the
// confirmation) removes it. Exits 0 when every step passed; on failure prints
// the step and saves SCREENSHOT_DIR/gemini-pages-failure.png.
import {env, launchChromium, pollerFor, logIn, fitsPhone} from "./e2e_common.mjs";

const url = env("CONSOLE_URL"), password = env("CONSOLE_PASSWORD"), shots = env("SCREENSHOT_DIR");
const prompt = "一只戴墨镜的橘猫";

const browser = await launchChromium();
const page = await browser.newPage({viewport: {width: 390, height: 844}, isMobile: true, hasTouch: true});
const problems = [];
page.on("console", (m) => { if (m.type() === "error") problems.push("console: " + m.text()); });
page.on("pageerror", (e) => problems.push("page error: " + e.message));
const dialogs = [];
page.on("dialog", async (d) => { dialogs.push(d.message()); await d.accept(); });
page.setDefaultTimeout(15000);

const waitFor = pollerFor(page);
const fitsTheScreen = () => fitsPhone(page);

let step = "start";
try {
  step = "login";
  await logIn(page, url, password);

  step = "sandbox: /draw";
  await page.goto(url + "/#sandbox");
  await page.waitForSelector("#sandbox-form");
  await page.fill("#sandbox-user", "10001");
  await page.fill("#sandbox-group", "20001");
  await page.fill("#sandbox-text", "/draw " + prompt);
  await page.click("#sandbox-send");
  await waitFor(() => {
    const images = document.querySelectorAll(".bubble.out img");
    return images.length > 0 && images[0].complete && images[0].naturalWidth > 0;
  }, null, 30000);

  step = "quotas page lists the bucket";
  await page.goto(url + "/#plugin/gemini_pic_gen/quotas");
  const row = 'tr[data-bucket="user:10001"]';
  await waitFor((r) => document.querySelector(r + " .used")?.textContent === "1 / 3", row);
  if (!(await page.textContent("#gemini-quota-summary")).includes("3")) throw new Error("no quota summary");
  if (!(await fitsTheScreen())) throw new Error("the quotas page is wider than the phone");

  step = "quotas page: reset the user after confirming";
  await page.click(row + " button");
  await waitFor((r) => document.querySelector(r) === null, row);
  if (dialogs.length !== 1 || !dialogs[0].includes("user:10001")) throw new Error("no confirmation: " + dialogs);
  // The notice names the scope in the console's language, not the API's English words.
  const notice = await page.textContent("#gemini-quota-error");
  if (!/^(已重置：用户 10001|Reset: User 10001)$/.test(notice)) throw new Error("reset notice: " + notice);

  step = "gallery page shows the image with its prompt";
  await page.goto(url + "/#plugin/gemini_pic_gen/gallery");
  const card = "#gemini-gallery .card";
  await waitFor((c) => {
    const img = document.querySelector(c + " img");
    return img !== null && img.complete && img.naturalWidth > 0;
  }, card);
  if ((await page.textContent(card + " .prompt")) !== prompt) throw new Error("the prompt is not shown");
  const details = await page.textContent(card);
  if (!details.includes("10001") || !details.includes("20001")) throw new Error("user or group missing: " + details);
  if (!(await fitsTheScreen())) throw new Error("the gallery is wider than the phone");

  step = "the gallery marks the image as kept on this machine";
  if (!/本机|local/.test(await page.textContent(card + " .stored"))) throw new Error("no local mark");

  step = "storage page: the figures and the disk bar against the cap";
  await page.goto(url + "/#storage");
  await waitFor(() => document.querySelector("#storage-figures [data-figure=images] strong")?.textContent === "1");
  const local = await page.textContent("#storage-figures [data-figure=local] strong");
  const pending = await page.textContent("#storage-figures [data-figure=pending] strong");
  if (local !== "1" || pending !== "—") throw new Error("figures: local " + local + ", pending " + pending);
  // storage.local.max_cache_mb: 1 and one small image: far under the cap.
  if ((await page.getAttribute("#storage-bar", "data-level")) !== "green") throw new Error("the bar is not green");
  const levels = await page.evaluate(() => [storageLevel(79, 100), storageLevel(80, 100), storageLevel(94, 100),
                                            storageLevel(95, 100), storageLevel(5, 0)].join(","));
  if (levels !== "green,amber,amber,red,none") throw new Error("bar colours: " + levels);
  const fill = await page.evaluate(() => getComputedStyle(document.getElementById("storage-bar-fill")).backgroundColor);
  if (fill !== "rgb(46, 157, 87)") throw new Error("bar fill colour: " + fill);
  step = "storage page: backend local says the images stay on this machine and how to add a bucket";
  await page.waitForSelector("#storage-local-only", {state: "visible"});
  if (!/storage\.backend: s3/.test(await page.textContent("#storage-local-only"))) throw new Error("no how-to");
  if (await page.isVisible("#storage-bucket-part")) throw new Error("bucket actions shown without a bucket");
  await page.click("#storage-clean");
  await waitFor(() => /0/.test(document.getElementById("storage-note").textContent));
  if (!(await fitsTheScreen())) throw new Error("the storage page is wider than the phone");

  step = "gallery page: delete after confirming";
  await page.goto(url + "/#plugin/gemini_pic_gen/gallery");
  await waitFor((c) => document.querySelector(c) !== null, card);
  await page.click(card + " button");
  await waitFor((c) => document.querySelector(c) === null, card);
  if (dialogs.length !== 2) throw new Error("no confirmation before deleting");

  step = "gallery page stays empty after a reload";
  await page.reload();
  await waitFor(() => (document.getElementById("gemini-gallery") || {}).textContent?.length > 0);
  if (await page.locator(card).count() !== 0) throw new Error("the deleted image came back");

  if (problems.length) throw new Error(problems.join("\n"));
  console.log("gemini pages e2e: ok");
  await browser.close();
} catch (error) {
  console.error(`FAILED at step "${step}": ${error.message}`);
  if (problems.length) console.error(problems.join("\n"));
  await page.screenshot({path: `${shots}/gemini-pages-failure.png`, fullPage: true}).catch(() => {});
  await browser.close();
  process.exit(1);
}
