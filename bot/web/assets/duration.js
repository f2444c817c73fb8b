// The console's one duration formatter, for the console (app.js) and the
// login page (login.js): 272 -> "4 分 32 秒" / "4 min 32 s". t(key, vars)
// gives a "console.duration.*" label in the page's language.
"use strict";
function formatDuration(seconds, t) {
  seconds = Math.max(0, Math.floor(seconds));
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600), m = Math.floor(seconds % 3600 / 60);
  const parts = [];
  if (d) parts.push(t("console.duration.days", {n: d}));
  if (d || h) parts.push(t("console.duration.hours", {n: h}));
  if (d || h || m) parts.push(t("console.duration.minutes", {n: m}));
  parts.push(t("console.duration.seconds", {n: seconds % 60}));
  return parts.join(" ");
}
