// The image providers in the settings form, in Debian's chromium
// (playwright-core), on a phone and on a desktop. Run by
// gemini_browser_test.cpp with picbot holding one instance (my-router, key
// SECRET) as the chain, and CONSOLE_URL, CONSOLE_PASSWORD, NEW_BASE and
// NEW_KEY (a second fake OpenRouter and its key), SCREENSHOT_DIR, CHROMIUM.
// Phone: the instance's card shows its fields with labels and key paths, the
// type as a choice, its key masked and its live key states; an instance
// "added" is added and edited, put first in the chain with the order list,
// saved (the diff masks its key), and the status page shows it first.
// Desktop: its card shows its live state; my-router leaves the chain and is
// removed, and the save keeps the rest. The C++ side checks the file. Exits
// 0 when every step passed; on failure prints the step and saves
// SCREENSHOT_DIR/providers-failure.png (on success providers-*.png).
import {env, launchChromium, pollerFor, logIn, collectProblems, fitsPhone} from "./e2e_common.mjs";

const url = env("CONSOLE_URL"), password = env("CONSOLE_PASSWORD"), secret = env("SECRET");
const newBase = env("NEW_BASE"), newKey = env("NEW_KEY"), shots = env("SCREENSHOT_DIR");

const browser = await launchChromium();
let page = null, problems = [];
const open = async (viewport, mobile) => {
  const context = await browser.newContext({viewport, isMobile: mobile, hasTouch: mobile});
  page = await context.newPage();
  problems = collectProblems(page);
  page.setDefaultTimeout(15000);
  await logIn(page, url, password);
};
const card = (name) => `.map-card[data-entry="${name}"]`;
const chain = '[data-path="plugins.gemini_pic_gen.providers"]';
const fitsTheScreen = () => fitsPhone(page);
const openProviders = async () => {
  await page.goto(url + "/#config");
  await page.waitForSelector("#config-form");
  await page.click('#config-tabs [data-tab="image_providers"]');
};
const saveWithDiff = async (check) => {
  // At the page's end the sticky Save bar is where it stays while clicked.
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await page.click("#config-save");
  await page.waitForSelector("#config-diff[open]");
  const diff = await page.textContent("#config-diff-text");
  if (diff.includes(secret) || diff.includes(newKey)) throw new Error("the diff shows a key:\n" + diff);
  check(diff);
  await page.click("#config-diff-save");
  await page.waitForSelector("#config-saved");
};

let step = "phone: login";
try {
  await open({width: 390, height: 844}, true);
  const waitFor = () => pollerFor(page);

  step = "phone: the instance's card, labelled, with key paths, its type a choice and its key masked";
  await openProviders();
  await page.waitForSelector(card("my-router"));
  const typePath = await page.textContent('[data-path="image_providers.my-router.type"] > .key-path');
  if (typePath !== "image_providers.my-router.type") throw new Error("key path: " + typePath);
  const typeLabel = await page.textContent('[data-path="image_providers.my-router.type"] > label');
  if (!typeLabel.includes("类型")) throw new Error("label: " + typeLabel);
  const types = await page.locator("#f-image_providers-my-router-type option").evaluateAll((o) => o.map((x) => x.value));
  for (const t of ["openrouter", "openai", "gemini", "seedream"])
    if (!types.includes(t)) throw new Error("type choices lack " + t + ": " + types.join(", "));
  const keys = await page.inputValue("#f-image_providers-my-router-api_keys");
  if (keys.includes(secret) || !keys.includes("…")) throw new Error("the key is not masked: " + keys);

  step = "phone: the card shows the instance's live key states";
  await waitFor()(() => document.querySelector('.entry-live[data-entry="my-router"] table.keys tr[data-status="active"]') !== null);

  step = "phone: an instance added and edited";
  await page.fill(".map-card-name", "bad name");
  await page.click(".map-card-add");
  if (!(await page.textContent(".map-card-problem"))) throw new Error("a name with a space was taken");
  await page.fill(".map-card-name", "added");
  await page.click(".map-card-add");
  await page.waitForSelector(card("added"));
  await page.selectOption("#f-image_providers-added-type", "openrouter");
  await page.fill("#f-image_providers-added-api_base", newBase);
  await page.fill("#f-image_providers-added-api_keys", newKey);
  await page.fill("#f-image_providers-added-model", "acme/browser-1");
  await page.fill("#f-image_providers-added-max_retry_attempts", "1");
  if (!(await fitsTheScreen())) throw new Error("the providers tab is wider than the phone");
  await page.screenshot({path: `${shots}/providers-settings-phone.png`, fullPage: true});

  step = "phone: put first in the chain";
  await page.click('#config-tabs [data-tab="plugins"]');
  await page.selectOption(chain + " select.choice-add", "added");
  await page.click(chain + ' li[data-item="added"] .move-up');
  const order = await page.locator(chain + " li").evaluateAll((li) => li.map((x) => x.dataset.item));
  if (order.join(",") !== "added,my-router") throw new Error("chain: " + order.join(","));
  if (!(await fitsTheScreen())) throw new Error("the plugins tab is wider than the phone");

  step = "phone: save";
  await saveWithDiff((diff) => { if (!diff.includes("added:") || !diff.includes("acme/browser-1")) throw new Error("diff:\n" + diff); });

  step = "phone: the status page shows it first";
  await page.goto(url + "/#status");
  await page.waitForSelector('#providers-gemini_pic_gen .provider[data-provider="added"]');
  const first = await page.locator("#providers-gemini_pic_gen .provider").first().getAttribute("data-provider");
  if (first !== "added") throw new Error("first provider: " + first);
  if ((await page.content()).includes(newKey)) throw new Error("the status page shows the key");
  await page.screenshot({path: `${shots}/providers-status-phone.png`, fullPage: true});
  if (problems.length) throw new Error(problems.join("\n"));
  await page.context().close();

  step = "desktop: the new card's live state";
  await open({width: 1280, height: 900}, false);
  await openProviders();
  await pollerFor(page)(() => {
    const live = document.querySelector('.entry-live[data-entry="added"]');
    return live && live.querySelector("h5") && live.querySelector("table.keys");
  });
  const live = await page.textContent('.entry-live[data-entry="added"] h5');
  if (!live.includes("1") || !live.includes("acme/browser-1")) throw new Error("live state: " + live);
  await page.screenshot({path: `${shots}/providers-settings-desktop.png`, fullPage: true});

  step = "desktop: my-router leaves the chain and is removed";
  await page.click('#config-tabs [data-tab="plugins"]');
  await page.click(chain + ' li[data-item="my-router"] .choice-remove');
  await page.click('#config-tabs [data-tab="image_providers"]');
  await page.click(card("my-router") + " .map-card-remove");
  if (await page.locator(card("my-router")).count()) throw new Error("the card stayed");
  await saveWithDiff((diff) => { if (!diff.includes("-  my-router:")) throw new Error("diff:\n" + diff); });
  if (problems.length) throw new Error(problems.join("\n"));
  console.log("providers browser test passed");
  await browser.close();
  process.exit(0);
} catch (error) {
  console.error(`providers browser test failed at step "${step}": ${error.message}`);
  for (const p of problems) console.error(p);
  if (page) await page.screenshot({path: shots + "/providers-failure.png", fullPage: true}).catch(() => {});
  await browser.close();
  process.exit(1);
}
