// Login page: POST /login as JSON, then go to the console. Every text comes
// from /login/labels (the console's message table), in both languages. Opened
// as /login?expired=1 when the console found its session gone: says so.
// Durations read as in the console (formatDuration, duration.js).
"use strict";
// Both languages side by side: the page is shown before anyone chose one.
const labels = fetch("/login/labels", {credentials: "same-origin"})
  .then((response) => response.json())
  .catch(() => null);

// A value in vars may be a function of t (one language's labels), for words
// that differ by language: {wait: (t) => formatDuration(272, t)}.
async function say(key, vars = {}) {
  const table = await labels;
  if (!table) return key;
  const inLanguage = (language) => {
    const t = (k, v = {}) => (table[language][k] || k).replace(/\{(\w+)\}/g, (_, name) => String(v[name] ?? "?"));
    const values = Object.fromEntries(
      Object.entries(vars).map(([name, value]) => [name, typeof value === "function" ? value(t) : value]));
    return t(key, values);
  };
  return inLanguage("zh-CN") + " / " + inLanguage("en");
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
      error.textContent = await say("console.login_limited", {wait: (t) => formatDuration(body.retry_after_seconds, t)});
    } else if (body.error === "password_unavailable") {
      error.textContent = await say("console.login.unavailable");
    } else {
      error.textContent = await say("console.login_failed");
    }
  } catch (e) {
    error.textContent = String(e);
  }
});
