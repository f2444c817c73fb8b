// Login page: POST /login as JSON, then go to the console. Every text comes
// from /login/labels (the console's message table), in both languages. Opened
// as /login?expired=1 when the console found its session gone: says so.
"use strict";
// Both languages side by side: the page is shown before anyone chose one.
const labels = fetch("/login/labels", {credentials: "same-origin"})
  .then((response) => response.json())
  .catch(() => null);

async function say(key, vars = {}) {
  const table = await labels;
  if (!table) return key;
  const fill = (text) => (text || key).replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? "?"));
  return fill(table["zh-CN"][key]) + " / " + fill(table["en"][key]);
}

if (new URLSearchParams(location.search).has("expired")) {
  const notice = document.getElementById("login-notice");
  say("console.login.expired").then((text) => {
    notice.textContent = text;
    notice.hidden = false;
  });
}
document.getElementById("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("login-error");
  error.textContent = "";
  try {
    const response = await fetch("/login", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({password: document.getElementById("password").value}),
      credentials: "same-origin",
    });
    if (response.ok) {
      window.location.href = "/";
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (response.status === 429) {
      error.textContent = await say("console.login_limited", {seconds: body.retry_after_seconds});
    } else if (body.error === "password_unavailable") {
      error.textContent = await say("console.login.unavailable");
    } else {
      error.textContent = await say("console.login_failed");
    }
  } catch (e) {
    error.textContent = String(e);
  }
});
