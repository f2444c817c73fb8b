// Login page: POST /login as JSON, then go to the console. Opened as
// /login?expired=1 when the console found its session gone: says so, in both
// languages, with the labels from /login/labels (the console's message table).
"use strict";
if (new URLSearchParams(location.search).has("expired")) {
  const notice = document.getElementById("login-notice");
  fetch("/login/labels", {credentials: "same-origin"})
    .then((response) => response.json())
    .then((labels) => {
      const key = "console.login.expired";
      notice.textContent = labels["zh-CN"][key] + " / " + labels["en"][key];
      notice.hidden = false;
    })
    .catch(() => {});
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
      const s = body.retry_after_seconds || "?";
      error.textContent = `失败次数过多，请 ${s} 秒后再试 / Too many failed attempts, try again in ${s} s`;
    } else if (body.error === "password_unavailable") {
      error.textContent = "无法读取密码文件，请查看日志 / The password file could not be read; see the log";
    } else {
      error.textContent = "密码错误 / Wrong password";
    }
  } catch (e) {
    error.textContent = String(e);
  }
});
