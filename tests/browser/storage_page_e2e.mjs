// The console's storage page with storage.backend: s3 in Debian's chromium
// (playwright-core), on a phone-sized viewport. Run by
// storage_browser_test.cpp, which starts picbot against S3rver with the
// gemini plugin and passes CONSOLE_URL, CONSOLE_PASSWORD, SCREENSHOT_DIR,
// CHROMIUM and PHASE:
//   PHASE=failed  (access key NOT-A-KEY): a drawing's upload fails; the page
//                 shows it in the figures and the failed table (naming the
//                 key), "test connection" is red with the reason in words,
//                 "retry failed" says how many it queued again.
//   PHASE=outage  (the right key, the server stopped): the drawing stays
//                 pending, "test connection" is red; after "@@picbot
//                 s3-start" "upload pending now" uploads it and "test
//                 connection" is green.
// Exits 0 when every step passed; on failure prints the step and saves
// SCREENSHOT_DIR/storage-page-failure.png.
import {env, launchChromium, pollerFor, logIn, fitsPhone} from "./e2e_common.mjs";

const url = env("CONSOLE_URL"), password = env("CONSOLE_PASSWORD"), shots = env("SCREENSHOT_DIR");
const phase = env("PHASE");

const browser = await launchChromium();
const page = await browser.newPage({viewport: {width: 390, height: 844}, isMobile: true, hasTouch: true});
const problems = [];
page.on("console", (m) => { if (m.type() === "error") problems.push("console: " + m.text()); });
page.on("pageerror", (e) => problems.push("page error: " + e.message));
page.setDefaultTimeout(15000);
const waitFor = pollerFor(page);
const figure = (name) => page.textContent(`#storage-figures [data-figure=${name}] strong`);
const waitFigure = (name, value, timeout = 15000) =>
  waitFor(([n, v]) => document.querySelector(`#storage-figures [data-figure=${n}] strong`)?.textContent === v, [name, value], timeout);

// Clicks "test connection" and returns {ok, text} once the result is shown.
async function testConnection() {
  await page.click("#storage-test_connection");
  await waitFor(() => document.getElementById("storage-probe").dataset.ok !== undefined);
  const result = await page.evaluate(() => {
    const probe = document.getElementById("storage-probe");
    const ok = probe.dataset.ok;
    delete probe.dataset.ok;
    return {ok, text: probe.textContent, colour: getComputedStyle(probe).backgroundColor, visible: !probe.hidden};
  });
  if (!result.visible) throw new Error("the result is hidden");
  return result;
}

let step = "start";
try {
  step = "login";
  await logIn(page, url, password);

  step = "sandbox: /draw";
  await page.goto(url + "/#sandbox");
  await page.waitForSelector("#sandbox-form");
  await page.fill("#sandbox-user", "10001");
  await page.fill("#sandbox-group", "20001");
  await page.fill("#sandbox-text", "/draw 一只橘猫");
  await page.click("#sandbox-send");
  await waitFor(() => document.querySelectorAll(".bubble.out img").length > 0, null, 30000);

  step = "storage page: the figures and the bucket";
  await page.goto(url + "/#storage");
  await waitFigure("images", "1");
  if (!(await page.isVisible("#storage-bucket-part"))) throw new Error("no bucket part");
  if (await page.isVisible("#storage-local-only")) throw new Error("the local-only note shows with a bucket");
  const bucket = await page.textContent("#storage-bucket");
  if (!bucket.includes("picbot") || !bucket.includes("bot1")) throw new Error("bucket line: " + bucket);
  for (const id of ["#storage-upload_pending", "#storage-retry_failed", "#storage-test_connection"])
    if (!(await page.isVisible(id))) throw new Error(id + " is missing");
  const labels = await page.textContent("#storage-bucket-actions");
  if (!/上传待传图片|Upload pending now/.test(labels) || !/重试失败的上传|Retry failed/.test(labels) || !/测试连接|Test connection/.test(labels))
    throw new Error("button labels: " + labels);

  if (phase === "failed") {
    step = "failed: the figures and the failed table name the refused key";
    await waitFigure("failed", "1");
    if ((await figure("uploaded")) !== "0") throw new Error("uploaded: " + (await figure("uploaded")));
    await waitFor(() => document.querySelectorAll("#storage-failed tbody tr").length === 1);
    const row = await page.textContent("#storage-failed tbody tr");
    if (!row.includes("bot1/") || !row.includes("NOT-A-KEY")) throw new Error("failed row: " + row);
    if (!(await fitsPhone(page))) throw new Error("the storage page is wider than the phone");

    step = "failed: test connection is red and says why";
    const probe = await testConnection();
    if (probe.ok !== "false") throw new Error("probe ok: " + probe.ok);
    if (!/^(连接失败|Connection failed)/.test(probe.text) || !probe.text.includes("NOT-A-KEY")) throw new Error("probe: " + probe.text);
    if (probe.colour !== "rgb(253, 229, 230)") throw new Error("not red: " + probe.colour);

    step = "failed: retry failed says how many";
    await page.click("#storage-retry_failed");
    await waitFor(() => /已重新排队 1 个|Queued 1 failed/.test(document.getElementById("storage-note").textContent));
  } else {
    step = "outage: the drawing stays pending";
    await waitFigure("pending", "1");
    if ((await figure("failed")) !== "0") throw new Error("failed: " + (await figure("failed")));
    await waitFor(() => document.getElementById("storage-failed").textContent.length > 0);
    if (!/没有失败的上传|No failed uploads/.test(await page.textContent("#storage-failed"))) throw new Error("failed table not empty");

    step = "outage: test connection is red";
    const down = await testConnection();
    if (down.ok !== "false" || !/^(连接失败|Connection failed)/.test(down.text)) throw new Error("probe: " + down.text);
    if (!(await fitsPhone(page))) throw new Error("the storage page is wider than the phone");

    step = "outage: the server is back; upload pending now";
    console.log("@@picbot s3-start");
    // The other side restarts the server meanwhile: test until it answers (20 s deadline).
    let up = await testConnection();
    for (const deadline = Date.now() + 20000; up.ok !== "true" && Date.now() < deadline;) up = await testConnection();
    if (up.ok !== "true" || !/^(连接正常|Connection works)/.test(up.text)) throw new Error("probe: " + up.text);
    if (up.colour !== "rgb(223, 243, 230)") throw new Error("not green: " + up.colour);
    await page.click("#storage-upload_pending");
    await waitFigure("uploaded", "1", 10000);
    await waitFigure("pending", "0");
  }

  if (problems.length) throw new Error(problems.join("\n"));
  console.log("storage page e2e: ok");
  await browser.close();
} catch (error) {
  console.error(`FAILED at step "${phase}: ${step}": ${error.message}`);
  if (problems.length) console.error(problems.join("\n"));
  await page.screenshot({path: `${shots}/storage-page-failure.png`, fullPage: true}).catch(() => {});
  await browser.close();
  process.exit(1);
}
