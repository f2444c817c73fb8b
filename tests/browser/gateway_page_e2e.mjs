// The image gateway's console page in Debian's chromium (playwright-core), on
// a phone-sized viewport. Run by gateway_browser_test.cpp, which starts
// picbot with the gateway on the web server and one key (webui) in the file,
// and passes CONSOLE_URL, CONSOLE_PASSWORD, SCREENSHOT_DIR and CHROMIUM.
// Creates a key (the dialog shows it once, with its warning; closed, it is
// gone from the page and the table shows it masked), calls the gateway with
// it (the requests table fills), checks the client settings block names the
// base URL, then revokes the key after the confirmation (the gateway answers
// 401). Exits 0 when every step passed; on failure prints the step and saves
// SCREENSHOT_DIR/gateway-page-failure.png.
import {env, launchChromium, pollerFor, logIn, fitsPhone, collectProblems} from "./e2e_common.mjs";

const url = env("CONSOLE_URL"), password = env("CONSOLE_PASSWORD"), shots = env("SCREENSHOT_DIR");

const browser = await launchChromium();
const page = await browser.newPage({viewport: {width: 390, height: 844}, isMobile: true, hasTouch: true});
const problems = collectProblems(page);
const dialogs = [];
page.on("dialog", async (d) => { dialogs.push(d.message()); await d.accept(); });
page.setDefaultTimeout(15000);
const waitFor = pollerFor(page);

// A gateway request from outside the browser, as a client would send it.
const generate = (key) => fetch(url + "/v1/images/generations", {
  method: "POST", headers: {"Authorization": "Bearer " + key, "Content-Type": "application/json"},
  body: JSON.stringify({model: "no-such-model", prompt: "a cat"})});

let step = "start";
try {
  step = "login";
  await logIn(page, url, password);

  step = "the page lists the file's key, masked";
  await page.goto(url + "/#plugin/image_gateway/gateway");
  await waitFor(() => document.querySelector('#gateway-keys tr[data-name="webui"] .key-mask')?.textContent === "sk-gw-…1111");
  if (!(await fitsPhone(page))) throw new Error("the page is wider than the phone");

  step = "create shows the key once, with the warning";
  await page.fill("#gateway-new-name", "phone");
  await page.click("#gateway-create");
  await page.waitForSelector("#gateway-created-dialog[open]");
  const key = (await page.textContent("#gateway-created-key")).trim();
  if (!/^pg-[A-Za-z0-9]{40}$/.test(key)) throw new Error("the dialog shows no key: " + key);
  if (!(await page.isVisible("#gateway-created-warning"))) throw new Error("no warning");
  if (!(await page.isVisible("#gateway-copy-key"))) throw new Error("no copy button");
  if (!(await fitsPhone(page))) throw new Error("the dialog is wider than the phone");
  await page.click("#gateway-created-close");
  await waitFor(() => !document.querySelector("#gateway-created-dialog[open]"));
  const masked = "pg-…" + key.slice(-4);
  await waitFor((m) => document.querySelector('#gateway-keys tr[data-name="phone"] .key-mask')?.textContent === m, masked);
  const holder = await page.evaluate((k) => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode())
      if (node.textContent.includes(k)) return node.parentElement.outerHTML.slice(0, 300);
    return [...document.querySelectorAll("input")].some((i) => i.value.includes(k)) ? "an input" : null;
  }, key);
  if (holder !== null) throw new Error("the key is still on the page after the dialog closed: " + holder);

  step = "a request with the new key fills the requests table";
  const answer = await generate(key);
  if (answer.status !== 404) throw new Error("the gateway answered " + answer.status + " to the new key");
  await waitFor(() => [...document.querySelectorAll("#gateway-requests tr.request")]
    .some((row) => row.textContent.includes("phone") && row.textContent.includes("no-such-model") &&
                   row.getAttribute("data-status") === "404"), null, 20000);
  // The key's figures follow (since start): one request, no image, one failure.
  await waitFor(() => document.querySelector('#gateway-keys tr[data-name="phone"] .use')?.textContent === "1 / 0");
  if (!(await fitsPhone(page))) throw new Error("the requests table is wider than the phone");

  step = "the settings block shows the base URL";
  const openwebui = await page.textContent("#gateway-setup-openwebui-images");
  if (!openwebui.includes(url + "/v1")) throw new Error("OpenWebUI block: " + openwebui);
  const lobechat = await page.textContent("#gateway-setup-lobechat");
  if (!lobechat.includes(url + "/v1")) throw new Error("LobeChat block: " + lobechat);
  if ((await page.content()).includes(key)) throw new Error("the key is on the page");

  step = "revoke after confirming";
  await page.click('#gateway-keys tr[data-name="phone"] button.revoke');
  await waitFor(() => document.querySelector('#gateway-keys tr[data-name="phone"]') === null);
  if (dialogs.length !== 1 || !dialogs[0].includes("phone")) throw new Error("no confirmation: " + dialogs);
  const refused = await generate(key);
  if (refused.status !== 401) throw new Error("a revoked key got " + refused.status);

  if (problems.length) throw new Error(problems.join("\n"));
  console.log("gateway page e2e: ok");
  await browser.close();
} catch (error) {
  console.error(`FAILED at step "${step}": ${error.message}`);
  if (problems.length) console.error(problems.join("\n"));
  await page.screenshot({path: `${shots}/gateway-page-failure.png`, fullPage: true}).catch(() => {});
  await browser.close();
  process.exit(1);
}
