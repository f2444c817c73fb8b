// picbot console: one script, no build step. Pages: status, config (form
// generated from the schema), logs, sandbox chat, and plugin pages.
"use strict";

// online: false from a request that could not reach picbot until one that
// did; busy: user-started requests in flight; refresh: what the current page
// does when picbot is back (null: render it again); onOffline: what it does
// when picbot goes away.
const state = {csrf: "", lang: "zh-CN", labels: {}, pages: [], timers: [], schema: null,
               online: true, busy: 0, refresh: null, onOffline: null, formKeys: {}, formRefreshers: []};

// ---- helpers -------------------------------------------------------------
function t(key, vars) {
  let text = (state.labels[state.lang] || {})[key] || (state.labels["zh-CN"] || {})[key] || key;
  for (const [name, value] of Object.entries(vars || {})) text = text.split("{" + name + "}").join(String(value));
  return text;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Sends one request. Returns {status, ok, data} for any HTTP answer but 401;
// throws (with a message for the user) when picbot cannot be reached or does
// not answer within 30 s, which
// also starts the reconnect loop, and on 401 (the session is gone), which
// sends the browser to the login page. Requests not marked quiet (the user
// started them) show the busy indicator while in flight.
async function request(method, path, body, {quiet = false} = {}) {
  // A hung picbot counts as gone: no request stays busy for ever.
  const options = {method, credentials: "same-origin", headers: {}, cache: "no-store",
                   signal: AbortSignal.timeout(30000)};
  if (method !== "GET") options.headers["X-CSRF-Token"] = state.csrf;
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  if (!quiet) setBusy(+1);
  try {
    let response, data;
    try {
      response = await fetch(path, options);
      const type = response.headers.get("content-type") || "";
      data = type.startsWith("application/json") ? await response.json() : await response.text();
    } catch (e) {
      if (response && response.ok) throw e;  // a bad body from a live picbot
      connectionLost();
      throw new Error(t("console.error.offline"));
    }
    if (response.status === 401) {
      sessionEnded();
      throw new Error(t("console.login.expired"));
    }
    connectionBack();
    return {status: response.status, ok: response.ok, data};
  } finally {
    if (!quiet) setBusy(-1);
  }
}
const api = {get: (p, o) => request("GET", p, undefined, o), post: (p, b, o) => request("POST", p, b === undefined ? {} : b, o)};

// The text for a refused request: the server's message, else its status.
function failure(status, data) {
  const detail = data && typeof data === "object" ? data.message || data.error : data;
  return t("console.error.http", {status, detail: detail || ""});
}

function setBusy(delta) {
  state.busy += delta;
  const indicator = document.getElementById("busy");
  indicator.textContent = t("console.busy");
  indicator.hidden = state.busy <= 0;
  document.getElementById("main").setAttribute("aria-busy", state.busy > 0 ? "true" : "false");
}

// ---- connection to picbot --------------------------------------------------
// The session is gone (picbot restarted, or it expired): log in again.
function sessionEnded() {
  window.location.href = "/login?expired=1";
}

function connectionLost() {
  if (!state.online) return;
  state.online = false;
  document.body.classList.add("offline");
  const banner = document.getElementById("conn-banner");
  banner.textContent = t("console.conn.lost");
  banner.hidden = false;
  if (state.onOffline) state.onOffline();
  reconnect();
}

function connectionBack() {
  if (state.online) return;
  state.online = true;
  document.body.classList.remove("offline");
  document.getElementById("conn-banner").hidden = true;
  toast(t("console.conn.back"));
  if (state.refresh) state.refresh(); else route();
}

// Asks picbot for the session, waiting longer after each failure (0.5 s
// doubling to 8 s), until it answers: then connectionBack() refreshes the
// page, or a 401 sends the browser to the login page.
async function reconnect() {
  for (let delay = 500; !state.online; delay = Math.min(delay * 2, 8000)) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    if (state.online) return;
    try {
      await request("GET", "/api/session", undefined, {quiet: true});
    } catch (e) {
      // still away; the next try waits longer
    }
  }
}

function toast(text) {
  const box = document.getElementById("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 4000);
}

// Runs fn now and every ms while the page shows, skipping turns while
// picbot is away (reconnect() retries then). fn's failures are its own to
// show; an escaped one is ignored here.
function every(ms, fn) {
  const run = () => { if (state.online) Promise.resolve().then(fn).catch(() => {}); };
  run();
  state.timers.push(setInterval(run, ms));
}

// Seconds in words from the message table: "4 分 32 秒" / "4 min 32 s".
function duration(seconds) { return formatDuration(seconds, t); }  // duration.js

// ---- status --------------------------------------------------------------
function renderStatus(section) {
  section.replaceChildren(el("div", {id: "status-body"}, el("p", {class: "desc", text: t("console.loading")})));
  // Stale numbers and "connected" must not stay up while picbot is away.
  const stale = (text) => {
    const body = document.getElementById("status-body");
    if (body) body.replaceChildren(el("div", {class: "notice bad", id: "status-stale", text}));
  };
  state.onOffline = () => stale(t("console.status.stale"));
  every(2000, async () => {
    let answer;
    try {
      answer = await api.get("/api/status", {quiet: true});
    } catch (e) {
      return;  // connectionLost() showed it
    }
    const {ok, status, data} = answer;
    if (!ok) return stale(failure(status, data));
    const body = document.getElementById("status-body");
    if (!body) return;
    const links = data.onebot.links.length === 0 ? el("p", {text: t("console.status.no_connections")}) :
      el("table", {}, el("tr", {}, el("th", {text: t("console.status.self_id")}), el("th", {text: t("console.status.link")}),
                                    el("th", {text: t("console.status.uptime")})),
         data.onebot.links.map((l) => el("tr", {}, el("td", {text: l.self_id || "?"}), el("td", {text: l.description}),
                                             el("td", {text: duration(l.uptime_seconds)}))));
    const stat = (label, value, id) => el("div", {class: "stat"}, label, el("b", {id, text: value}));
    const plugins = Object.entries(data.plugins || {}).map(([name, value]) =>
      el("div", {class: "plugin-status", "data-plugin": name}, el("h3", {text: name}),
         isDashboard(value) ? renderDashboard(name, value) : renderValue(value)));
    const errors = data.errors.length ? el("pre", {class: "log", text: data.errors.join("\n")})
                                      : el("p", {text: t("console.status.no_errors")});
    body.replaceChildren(...[
      el("div", {class: "card"}, el("h2", {text: t("console.status.connections")}), links),
      el("div", {class: "card"}, el("h2", {text: t("console.status.messages")}),
         el("div", {class: "stats"}, stat(t("console.status.messages_in"), data.messages.in, "stat-in"),
            stat(t("console.status.messages_out"), data.messages.out, "stat-out"),
            stat(t("console.status.commands"), data.messages.commands),
            stat(t("console.status.api_calls"), data.api.calls), stat(t("console.status.api_failures"), data.api.failures),
            stat(t("console.status.uptime"), duration(data.uptime_seconds)))),
      plugins.length ? el("div", {class: "card"}, el("h2", {text: t("console.status.plugins")}), plugins) : null,
      el("div", {class: "card"}, el("h2", {text: t("console.status.errors")}), errors)].filter(Boolean));
  });
}

// ---- dashboard of an image plugin ------------------------------------------
// A plugin status with "hourly" (the last 24 h by hour), "latency" and
// "keys" (see plugins/gemini_pic_gen/console/console_api.h) is drawn as a
// dashboard: figures with labels, a bar chart, the keys with a re-enable
// button. Anything else goes through renderValue().
function isDashboard(value) {
  return value && typeof value === "object" && Array.isArray(value.hourly) && Array.isArray(value.keys);
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, v] of Object.entries(attrs || {})) node.setAttribute(name, String(v));
  node.append(...children);
  return node;
}

function failureClass(name) {
  const key = "console.dashboard.class." + name;
  const text = t(key);
  return text === key ? name : text;
}

function seconds(value) {
  if (value === null || value === undefined) return "—";
  return t("console.dashboard.seconds", {value: value.toFixed(value < 10 ? 2 : 1)});
}

function sumFailures(failures) {
  return Object.values(failures || {}).reduce((a, b) => a + b, 0);
}

// 24 stacked bars (successes below, failures on top), one per hour, oldest
// on the left; each bar's title gives the hour and its counts.
function hourlyChart(hours) {
  // Drawn at the width it gets (no scaling: the labels keep their size).
  const body = document.getElementById("status-body");
  const width = Math.max(240, Math.min(1000, (body ? body.clientWidth : 480) - 40)), height = 140;
  const top = 6, bottom = 18, gap = Math.max(1, Math.round(width / 160));
  const max = Math.max(1, ...hours.map((h) => h.success + sumFailures(h.failures)));
  const slot = width / hours.length, bar = slot - gap, scale = (height - top - bottom) / max;
  const chart = svg("svg", {viewBox: `0 0 ${width} ${height}`, width, height, class: "chart", role: "img", id: "chart-hourly",
                            "aria-label": t("console.dashboard.generations")});
  chart.append(svg("line", {x1: 0, x2: width, y1: height - bottom, y2: height - bottom, class: "chart-axis"}));
  hours.forEach((h, i) => {
    const failed = sumFailures(h.failures), x = i * slot + gap / 2;
    const hour = new Date(h.start_ms);
    const label = hour.toLocaleTimeString(state.lang, {hour: "2-digit", minute: "2-digit"});
    const group = svg("g", {class: "chart-hour"},
                      svg("title", {}, t("console.dashboard.hour_tip", {hour: label, success: h.success, failure: failed})));
    const okHeight = h.success * scale, badHeight = failed * scale;
    if (h.success) group.append(svg("rect", {x, width: bar, y: height - bottom - okHeight, height: okHeight, class: "bar-success"}));
    if (failed) group.append(svg("rect", {x, width: bar, y: height - bottom - okHeight - badHeight, height: badHeight, class: "bar-failure"}));
    // An invisible full-height target, so the title shows on empty hours too.
    group.append(svg("rect", {x, width: bar, y: top, height: height - top - bottom, class: "bar-hit"}));
    chart.append(group);
    if (i % 6 === 0 || i === hours.length - 1) {
      const anchor = i === 0 ? "start" : i === hours.length - 1 ? "end" : "middle";
      const at = anchor === "start" ? x : anchor === "end" ? x + bar : x + bar / 2;
      chart.append(svg("text", {x: at, y: height - 4, class: "chart-label", "text-anchor": anchor}, label));
    }
  });
  return chart;
}

function keyState(key) {
  if (key.status === "cooling_down") {
    const until = key.cooling_until ? new Date(key.cooling_until).toLocaleString(state.lang) : "—";
    return t("console.dashboard.state.cooling_down", {until});
  }
  return t("console.dashboard.state." + key.status);
}

// provider: the name of the "providers" entry the keys belong to (their
// index counts within it), or undefined for the plugin's flat "keys".
function renderKeys(plugin, keys, provider) {
  if (!keys.length) return null;
  const enable = async (key, button) => {
    button.disabled = true;
    try {
      const body = provider === undefined ? {index: key.index, key: key.key} : {provider, index: key.index, key: key.key};
      const {ok, status, data} = await api.post("/api/plugins/" + plugin + "/keys/enable", body);
      toast(ok ? t("console.dashboard.enabled", {key: key.key}) : failure(status, data));
    } catch (e) {
      toast(e.message);
    } finally {
      button.disabled = false;
    }
  };
  const head = ["key", "key_state", "key_reason", "key_successes", "key_failures"];
  const id = "keys-" + plugin + (provider === undefined ? "" : "-" + provider);
  return el("div", {class: "table-wrap"}, el("table", {class: "keys", id},
    el("tr", {}, head.map((k) => el("th", {text: t("console.dashboard." + k)}))),
    keys.map((key) => {
      const button = key.status === "active" ? null :
        el("button", {type: "button", class: "small enable-key", "data-index": key.index, text: t("console.dashboard.enable")});
      if (button) button.addEventListener("click", () => enable(key, button));
      return el("tr", {"data-status": key.status},
                el("td", {class: "mono", text: key.key}),
                el("td", {class: "key-state"}, el("span", {class: "pill " + key.status, text: keyState(key)}), button),
                el("td", {text: key.reason || ""}), el("td", {text: key.successes}), el("td", {text: key.failures}));
    })));
}

// Each provider of the chain in use ("providers", see console_api.h): its
// place, type and model, its calls by result, its keys with re-enable buttons.
function renderProviders(plugin, providers) {
  if (!providers.length) return null;
  return el("div", {class: "providers", id: "providers-" + plugin},
    el("h4", {text: t("console.dashboard.providers")}),
    providers.map((p) => {
      const results = Object.entries(p.results || {});
      return el("div", {class: "provider", "data-provider": p.name},
        el("h5", {text: t("console.dashboard.provider_title", {position: p.position, name: p.name, type: p.type, model: p.model})}),
        results.length
          ? el("ul", {class: "classes provider-results"}, results.map(([k, n]) =>
              el("li", {"data-result": k}, (k === "success" ? t("console.dashboard.success") : failureClass(k)) + ": ", el("b", {text: n}))))
          : el("p", {class: "desc", text: t("console.dashboard.provider_no_calls")}),
        renderKeys(plugin, p.keys || [], p.name));
    }));
}

// Each provider's upstream queue ("limiters": image_providers.<name>'s
// requests_per_second/burst/max_concurrent, and the drawings waiting and running).
function renderLimiters(plugin, limiters) {
  if (!Array.isArray(limiters) || !limiters.length) return null;
  const limit = (l) => {
    const parts = [];
    if (l.requests_per_second > 0) parts.push(t("console.dashboard.limiter_rate", {rate: l.requests_per_second, burst: l.burst}));
    if (l.max_concurrent > 0) parts.push(t("console.dashboard.limiter_concurrent", {n: l.max_concurrent}));
    return parts.length ? parts.join(", ") : t("console.dashboard.unlimited");
  };
  const head = ["limiter_provider", "waiting", "running", "limiter_limit"];
  return el("div", {}, el("h4", {text: t("console.dashboard.limiters")}),
    el("div", {class: "table-wrap"}, el("table", {class: "limiters", id: "limiters-" + plugin},
      el("tr", {}, head.map((k) => el("th", {text: t("console.dashboard." + k)}))),
      limiters.map((l) => el("tr", {"data-provider": l.provider},
                             el("td", {class: "mono", text: l.provider}), el("td", {text: l.waiting}),
                             el("td", {text: l.running}), el("td", {text: limit(l)}))))));
}

function renderDashboard(plugin, v) {
  const generations = v.generations || {};
  const successes = generations.success || 0;
  const failures = Object.entries(generations).filter(([k]) => k !== "success");
  const stat = (key, value) => el("div", {class: "stat"}, t("console.dashboard." + key), el("b", {text: value}));
  const latency = v.latency || {};
  const recent = v.hourly.some((h) => h.success || sumFailures(h.failures));
  return el("div", {class: "dashboard"},
    v.model ? el("p", {class: "desc"}, t("console.dashboard.model") + ": ", el("span", {class: "mono", text: v.model})) : null,
    el("div", {class: "stats"},
       stat("total_success", successes), stat("total_failure", failures.reduce((a, [, n]) => a + n, 0)),
       stat("quota_denials", v.quota_denials ?? 0), stat("images_delivered", v.images_delivered ?? 0),
       stat("delivery_failures", v.delivery_failures ?? 0),
       stat("p50", seconds(latency.p50_seconds)), stat("p95", seconds(latency.p95_seconds)),
       stat("running", (v.queue || {}).running ?? 0), stat("waiting", (v.queue || {}).waiting ?? 0)),
    el("h4", {text: t("console.dashboard.generations")}),
    el("div", {class: "legend"}, el("span", {class: "swatch success"}), t("console.dashboard.success"),
       el("span", {class: "swatch failure"}), t("console.dashboard.failure")),
    hourlyChart(v.hourly),
    recent ? null : el("p", {class: "desc", text: t("console.dashboard.no_generations")}),
    failures.length ? el("div", {}, el("h4", {text: t("console.dashboard.failures_by_class")}),
      el("ul", {class: "classes"}, failures.map(([k, n]) => el("li", {}, failureClass(k) + ": ", el("b", {text: n}))))) : null,
    // With a providers list the keys are shown per provider there.
    Array.isArray(v.providers) ? renderProviders(plugin, v.providers)
      : [v.keys.length ? el("h4", {text: t("console.dashboard.keys")}) : null, renderKeys(plugin, v.keys)],
    renderLimiters(plugin, v.limiters));
}

// Any JSON a plugin reports: objects as key/value tables, lists of objects
// as tables with a column per key, the rest as text.
function renderValue(value) {
  if (Array.isArray(value)) {
    if (value.length && value.every((v) => v && typeof v === "object" && !Array.isArray(v))) {
      const columns = [...new Set(value.flatMap((v) => Object.keys(v)))];
      return el("table", {}, el("tr", {}, columns.map((c) => el("th", {text: c}))),
                value.map((row) => el("tr", {}, columns.map((c) => el("td", {}, renderValue(row[c]))))));
    }
    return document.createTextNode(value.map((v) => typeof v === "object" ? JSON.stringify(v) : String(v)).join(", "));
  }
  if (value && typeof value === "object") {
    return el("table", {}, Object.entries(value).map(([k, v]) => el("tr", {}, el("th", {text: k}), el("td", {}, renderValue(v)))));
  }
  return document.createTextNode(value === null || value === undefined ? "" : String(value));
}

// ---- config form -----------------------------------------------------------
// Each renderer returns {node, get()} for one schema field at path.
function desc(field) {
  return field.description ? (state.lang === "en" ? field.description.en : field.description.zh) : "";
}

// The schema's short name of a field in the chosen language, else its key.
function label(field) {
  return (field.label && (state.lang === "en" ? field.label.en : field.label.zh)) || field.key;
}

// The key path in small print under a label: what the YAML file calls it.
function keyPath(path) {
  return el("small", {class: "key-path", text: path});
}

function fieldShell(field, path, input, extra) {
  const id = "f-" + path.replace(/[^a-zA-Z0-9_]/g, "-");
  input.id = id;
  const shown = el("label", {for: id}, label(field),
                   field.restart_required ? el("span", {class: "badge", text: t("console.config.restart")}) : null);
  return el("div", {class: "field", "data-path": path}, shown, keyPath(path),
            el("div", {class: "desc", text: desc(field)}), input, extra || null,
            el("div", {class: "field-error"}));
}

function parseScalar(type, text) {
  if (type === "int" && /^-?\d+$/.test(text.trim())) return parseInt(text, 10);
  if (type === "float" && text.trim() !== "" && !isNaN(Number(text))) return Number(text);
  return text;  // the server reports what is wrong, next to the field
}

function renderField(field, value, path) {
  const type = field.type;
  if (type === "object") return renderObject(field, value, path);
  if (type === "object_list") return renderObjectList(field, value, path);
  if (type === "bool") {
    const input = el("input", {type: "checkbox"});
    input.checked = value === true;
    return {node: fieldShell(field, path, input), get: () => input.checked};
  }
  if (type === "enum") {
    const input = el("select", {}, field.enum.map((v) => el("option", {value: v, text: v})));
    input.value = value ?? field.default;
    return {node: fieldShell(field, path, input), get: () => input.value};
  }
  if (type === "int" || type === "float") {
    const input = el("input", {type: "text", inputmode: type === "int" ? "numeric" : "decimal"});
    input.value = value === null || value === undefined ? "" : String(value);
    // A number of seconds is also shown in words under the box.
    let words = null;
    if (field.key.endsWith("_seconds")) {
      words = el("div", {class: "desc duration-hint"});
      const show = () => { const n = Number(input.value); words.textContent = input.value.trim() !== "" && isFinite(n) && n >= 1 ? "= " + duration(n) : ""; };
      input.addEventListener("input", show);
      show();
    }
    return {node: fieldShell(field, path, input, words),
            get: () => input.value.trim() === "" ? null : parseScalar(type, input.value)};
  }
  if (type === "text") {
    const input = el("textarea", {rows: 5});
    input.value = value ?? "";
    return {node: fieldShell(field, path, input), get: () => input.value};
  }
  if (type === "list" && (field.choices || field.choices_from)) return renderChoiceList(field, value, path);
  if (type === "list") {
    const input = el("textarea", {rows: 3, autocomplete: "off"});
    input.value = (value || []).join("\n");
    const hint = el("div", {class: "desc", text: t("console.config.list_hint") +
                                                  (field.secret ? " · " + t("console.config.secret_hint") : "")});
    return {node: fieldShell(field, path, input, hint),
            get: () => input.value.split("\n").map((s) => s.trim()).filter((s) => s !== "")
                                     .map((s) => parseScalar(field.item_type, s))};
  }
  if (type === "map" && field.item_type !== "object") return renderMapTable(field, value, path);
  if (type === "map") return renderMapCards(field, value, path);
  if (type === "string" && field.choices) {
    // The offered values, and the file's own if it is another.
    const values = field.choices.includes(value) || !value ? field.choices : [value, ...field.choices];
    const input = el("select", {}, values.map((v) => el("option", {value: v, text: v})));
    input.value = value || field.choices[0];
    return {node: fieldShell(field, path, input), get: () => input.value};
  }
  // string, secret
  const input = el("input", {type: "text", autocomplete: "off", spellcheck: "false"});
  input.value = value ?? "";
  const hint = type === "secret" ? el("div", {class: "desc", text: t("console.config.secret_hint")}) : null;
  if (type === "secret") input.dataset.secret = "1";
  return {node: fieldShell(field, path, input, hint), get: () => input.value};
}

// A map of scalars (presets: name -> prompt) as a table of rows.
function renderMapTable(field, value, path) {
  const body = el("tbody", {});
  const addRow = (key, item) => {
    const name = el("input", {type: "text", class: "map-key", autocomplete: "off", value: key});
    const text = field.item_type === "text" ? el("textarea", {rows: 3, class: "map-value"})
                                            : el("input", {type: "text", class: "map-value", autocomplete: "off"});
    text.value = item === null || item === undefined ? "" : String(item);
    const row = el("tr", {class: "map-row"}, el("td", {}, name), el("td", {}, text),
                   el("td", {}, el("button", {type: "button", class: "secondary map-remove", text: t("console.config.remove"),
                                              onclick: () => row.remove()})));
    body.append(row);
    return name;
  };
  for (const [key, item] of Object.entries(value || {})) addRow(key, item);
  const table = el("table", {class: "map-table"},
                   el("thead", {}, el("tr", {}, el("th", {text: t("console.config.map_key")}),
                                      el("th", {text: t("console.config.map_value")}), el("th", {}))), body);
  const add = el("button", {type: "button", class: "secondary map-add", text: t("console.config.add"),
                            onclick: () => addRow("", "").focus()});
  const node = fieldShell(field, path, table, add);
  return {node, get: () => {
    const out = {};
    for (const row of body.querySelectorAll("tr")) {
      const key = row.querySelector(".map-key").value.trim();
      if (key !== "") out[key] = parseScalar(field.item_type, row.querySelector(".map-value").value);
    }
    return out;
  }};
}

// A map whose entries are objects (image_providers: name -> settings): one
// card per entry, its fields labelled like every other, a Remove button and a
// slot for its live state (fillInstanceStates); Add takes a new name. The
// keys the form holds are what choice lists offer (state.formKeys[path]).
function renderMapCards(field, value, path) {
  const cards = [];
  const list = el("div", {class: "map-cards"});
  const addCard = (name, itemValue) => {
    const obj = renderObject({key: name, children: field.children}, itemValue, path + "." + name);
    const card = {name, get: obj.get};
    card.node = el("div", {class: "map-card", "data-entry": name}, obj.node,
                   el("div", {class: "entry-live", "data-entry": name}),
                   el("button", {type: "button", class: "secondary map-card-remove", text: t("console.config.remove"),
                                 onclick: () => { cards.splice(cards.indexOf(card), 1); card.node.remove(); formChanged(); }}));
    cards.push(card);
    list.append(card.node);
    return card;
  };
  for (const [name, item] of Object.entries(value || {})) addCard(name, item);
  const name = el("input", {type: "text", class: "map-card-name", autocomplete: "off", spellcheck: "false",
                            placeholder: t("console.config.map_key")});
  const problem = el("div", {class: "field-error map-card-problem"});
  const add = el("button", {type: "button", class: "secondary map-card-add", text: t("console.config.add"), onclick: () => {
    const wanted = name.value.trim();
    problem.textContent = !/^[A-Za-z0-9_-]+$/.test(wanted) ? t("console.config.entry_bad_name")
                        : cards.some((c) => c.name === wanted) ? t("console.config.entry_exists", {name: wanted}) : "";
    if (problem.textContent) return;
    name.value = "";
    addCard(wanted, defaultsOf({type: "object", children: field.children})).node.scrollIntoView({block: "nearest"});
    formChanged();
  }});
  state.formKeys[path] = () => cards.map((c) => c.name);
  const node = fieldShell(field, path, list, el("div", {class: "map-card-new"}, name, add, problem));
  return {node, get: () => Object.fromEntries(cards.map((c) => [c.name, c.get()]))};
}

// A list of names in order (plugins.gemini_pic_gen.providers): each with
// up, down and remove; a choice adds one of field.choices and of the keys
// the form holds at field.choices_from.
function renderChoiceList(field, value, path) {
  const items = [...(value || [])];
  const list = el("ol", {class: "choice-list"});
  const picker = el("select", {class: "choice-add"});
  const move = (from, to) => { items.splice(to, 0, ...items.splice(from, 1)); draw(); };
  const button = (cls, text, onclick, disabled) =>
    el("button", {type: "button", class: "secondary small " + cls, text, disabled, onclick});
  const draw = () => {
    list.replaceChildren(...items.map((item, i) => el("li", {"data-item": item}, el("span", {class: "mono", text: item}),
      button("move-up", "↑", () => move(i, i - 1), i === 0),
      button("move-down", "↓", () => move(i, i + 1), i === items.length - 1),
      button("choice-remove", t("console.config.remove"), () => { items.splice(i, 1); draw(); }))));
    const known = [...(field.choices || []), ...((state.formKeys[field.choices_from] || (() => []))())];
    picker.replaceChildren(el("option", {value: "", text: t("console.config.choose")}),
                           ...[...new Set(known)].filter((k) => !items.includes(k)).map((k) => el("option", {value: k, text: k})));
  };
  picker.addEventListener("change", () => { if (picker.value) { items.push(picker.value); draw(); } });
  picker.addEventListener("focus", draw);
  state.formRefreshers.push(draw);
  draw();
  return {node: fieldShell(field, path, picker, list), get: () => [...items]};
}

// The form's choice lists follow what the form holds now.
function formChanged() {
  for (const refresh of state.formRefreshers) refresh();
}

// Each image_providers card gets the live state of the instance of that
// name from the status ("providers" of a plugin): its place and model, and
// its keys (with re-enable); or a note that the chain in use lacks it.
async function fillInstanceStates(root) {
  const slots = root.querySelectorAll('[data-path="image_providers"] .entry-live');
  if (!slots.length) return;
  let answer;
  try { answer = await api.get("/api/status", {quiet: true}); } catch (e) { return; }
  if (!answer.ok) return;
  const used = {};
  for (const [plugin, section] of Object.entries(answer.data.plugins || {})) {
    for (const p of (section && section.providers) || []) used[p.name] = {plugin, p};
  }
  for (const slot of slots) {
    const found = used[slot.dataset.entry];
    if (!found) {
      slot.replaceChildren(el("p", {class: "desc", text: t("console.config.entry_unused")}));
      continue;
    }
    const {plugin, p} = found;
    slot.replaceChildren(el("h5", {text: t("console.config.entry_live", {position: p.position, model: p.model})}),
                         renderKeys(plugin, p.keys || [], p.name) || el("p", {class: "desc", text: t("console.config.entry_no_keys")}));
  }
}

// A plugin section: one switch. Present in the file and not `enabled: false`
// = the plugin runs; switching a present section off writes enabled: false
// (its settings stay), an absent one stays absent (null).
function renderPluginSection(child, value, childPath) {
  const present = value !== undefined && value !== null;
  const toggle = el("input", {type: "checkbox", id: "present-" + child.key, class: "plugin-switch"});
  toggle.checked = present && value.enabled !== false;
  const settings = {...child, children: (child.children || []).filter((c) => c.key !== "enabled")};
  const inner = renderObject(settings, present ? value : defaultsOf(child), childPath);
  inner.node.hidden = !toggle.checked;
  toggle.addEventListener("change", () => { inner.node.hidden = !toggle.checked; });
  const node = el("div", {class: "plugin-section", "data-path": childPath},
                  el("div", {class: "field"}, el("label", {for: toggle.id}, toggle, " " + label(child) + " — " +
                                                 t("console.config.enabled_plugin")), keyPath(childPath)),
                  inner.node);
  return {node, get: () => {
    if (toggle.checked) return {...inner.get(), enabled: true};
    return present ? {...inner.get(), enabled: false} : null;
  }};
}

function renderObject(field, value, path) {
  value = value || {};
  const parts = [];
  const box = el("fieldset", {"data-path": path}, el("legend", {text: label(field)}),
                 path ? keyPath(path) : null,
                 el("div", {class: "desc", text: desc(field)}), el("div", {class: "field-error"}));
  for (const child of field.children || []) {
    const childPath = path ? path + "." + child.key : child.key;
    if (child.only_when_present) {
      const section = renderPluginSection(child, value[child.key], childPath);
      box.append(section.node);
      parts.push({key: child.key, get: section.get});
      continue;
    }
    const rendered = renderField(child, value[child.key], childPath);
    box.append(rendered.node);
    parts.push({key: child.key, get: rendered.get});
  }
  return {node: box, get: () => {
    const out = {};
    for (const part of parts) {
      const v = part.get();
      if (v !== undefined) out[part.key] = v;
    }
    return out;
  }};
}

function defaultsOf(field) {
  if (field.type !== "object") return field.default;
  const out = {};
  for (const child of field.children || []) if (!child.only_when_present) out[child.key] = defaultsOf(child);
  return out;
}

function renderObjectList(field, value, path) {
  const items = [];
  const list = el("div", {});
  const box = el("fieldset", {"data-path": path}, el("legend", {text: field.key}),
                 el("div", {class: "desc", text: desc(field)}), el("div", {class: "field-error"}), list);
  const add = (itemValue) => {
    const entry = {};
    const render = () => {
      const index = items.indexOf(entry);
      const obj = renderObject({key: "#" + (index + 1), children: field.children}, itemValue, path + "[" + index + "]");
      entry.get = obj.get;
      const remove = el("button", {type: "button", class: "secondary", text: t("console.config.remove"),
                                    onclick: () => { itemValue = entry.get(); items.splice(items.indexOf(entry), 1);
                                                     entry.node.remove(); items.forEach((i) => i.rerender()); }});
      const node = el("div", {class: "list-item"}, obj.node, remove);
      if (entry.node) entry.node.replaceWith(node); else list.append(node);
      entry.node = node;
    };
    entry.rerender = () => { itemValue = entry.get(); render(); };
    items.push(entry);
    render();
  };
  (value || []).forEach(add);
  box.append(el("button", {type: "button", class: "secondary", text: t("console.config.add"),
                           onclick: () => add(defaultsOf({type: "object", children: field.children}))}));
  return {node: box, get: () => items.map((i) => i.get())};
}

function showErrors(form, errors) {
  form.querySelectorAll(".field-error").forEach((e) => { e.textContent = ""; });
  form.querySelectorAll(".invalid").forEach((e) => e.classList.remove("invalid"));
  const unplaced = [];
  for (const error of errors) {
    // The field itself, or the closest enclosing one that is on the page.
    let path = error.path, target = null;
    while (path && !target) {
      target = form.querySelector(`[data-path="${CSS.escape(path)}"]`);
      if (!target) path = path.includes(".") || path.includes("[") ? path.replace(/(\.[^.[\]]*|\[\d+\])$/, "") : "";
    }
    if (!target) { unplaced.push(error); continue; }
    target.classList.add("invalid");
    const slot = target.querySelector(":scope > .field-error");
    slot.textContent = (slot.textContent ? slot.textContent + "; " : "") +
                       (path === error.path ? "" : error.path + ": ") + error.message;
  }
  return unplaced;
}

// Tabs over the form's top-level parts: "general" for the top-level values,
// one per section. The search box shows, across all tabs, the fields whose
// label, key path or description holds the text.
function configTabs(schema, rootNode) {
  const parts = [...rootNode.children].filter((n) => n.dataset && n.dataset.path);
  const general = {key: "", label: t("console.config.tab_general"), nodes: []};
  const tabs = [general];
  for (const node of parts) {
    const field = (schema.children || []).find((c) => c.key === node.dataset.path);
    const section = field && (field.type === "object" || (field.type === "map" && field.item_type === "object"));
    if (section) tabs.push({key: field.key, label: label(field), nodes: [node]});
    else general.nodes.push(node);
  }
  const bar = el("div", {class: "tabs", id: "config-tabs", role: "tablist"});
  const select = (tab) => {
    for (const other of tabs.filter((x) => x.button)) {
      other.button.classList.toggle("active", other === tab);
      other.button.setAttribute("aria-selected", other === tab ? "true" : "false");
      for (const node of other.nodes) node.hidden = other !== tab;
    }
  };
  for (const tab of tabs.filter((x) => x.nodes.length)) {
    tab.button = el("button", {type: "button", class: "tab", role: "tab", "data-tab": tab.key || "general",
                               text: tab.label, onclick: () => { input.value = ""; filter(""); select(tab); }});
    for (const node of tab.nodes) node.dataset.tab = tab.key || "general";
    bar.append(tab.button);
  }
  const filter = (text) => {
    const query = text.trim().toLowerCase();
    rootNode.classList.toggle("searching", query !== "");
    for (const field of rootNode.querySelectorAll(".field[data-path]")) {
      field.classList.toggle("search-miss", query !== "" && !field.textContent.toLowerCase().includes(query) &&
                                            !field.dataset.path.toLowerCase().includes(query));
    }
    for (const box of [...rootNode.querySelectorAll("fieldset, .plugin-section")].reverse()) {
      box.classList.toggle("search-miss", query !== "" && !box.querySelector(".field[data-path]:not(.search-miss)"));
    }
    if (query === "") select(tabs.find((x) => x.button && x.button.classList.contains("active")) || tabs.find((x) => x.button));
    else for (const tab of tabs) for (const node of tab.nodes) node.hidden = false;
  };
  const input = el("input", {type: "search", id: "config-search", placeholder: t("console.config.search"),
                             autocomplete: "off", oninput: () => filter(input.value)});
  select(tabs.find((x) => x.button));
  return {tabs: bar, search: el("div", {class: "config-search"}, input)};
}

// Shows the tab that holds node (after a validation error, say).
function showTabOf(form, node) {
  const part = node.closest("[data-tab]");
  const button = part && form.querySelector(`#config-tabs [data-tab="${CSS.escape(part.dataset.tab)}"]`);
  if (button && part.hidden) button.click();
}

// Resolves true when the operator confirms the save after reading the diff.
function confirmDiff(diff) {
  return new Promise((resolve) => {
    const lines = diff.split("\n").map((line) => el("span", {
      class: line.startsWith("+") && !line.startsWith("+++") ? "diff-add" : line.startsWith("-") && !line.startsWith("---") ? "diff-del" : line.startsWith("@@") ? "diff-hunk" : "",
      text: line + "\n"}));
    const done = (answer) => { dialog.close(); dialog.remove(); resolve(answer); };
    const dialog = el("dialog", {id: "config-diff", class: "diff-dialog"},
                      el("h2", {text: t("console.config.diff_title")}),
                      el("pre", {class: "diff", id: "config-diff-text"}, lines),
                      el("div", {class: "actions"},
                         el("button", {type: "button", id: "config-diff-save", text: t("console.config.save"), onclick: () => done(true)}),
                         el("button", {type: "button", class: "secondary", id: "config-diff-cancel", text: t("console.config.cancel"),
                                       onclick: () => done(false)})));
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); done(false); });
    document.body.append(dialog);
    dialog.showModal();
  });
}

async function renderConfig(section) {
  section.replaceChildren(el("p", {class: "desc", id: "config-loading", text: t("console.loading")}));
  let schemaAnswer, configAnswer;
  try {
    [schemaAnswer, configAnswer] = await Promise.all([api.get("/api/config/schema"), api.get("/api/config")]);
  } catch (e) {
    schemaAnswer = {ok: false, status: 0, data: e.message};
  }
  const refused = [schemaAnswer, configAnswer].find((a) => a && !a.ok);
  if (refused) {
    const message = refused.status ? failure(refused.status, refused.data) : refused.data;
    section.replaceChildren(el("div", {class: "notice bad", id: "config-load-error", text: message}),
                            el("button", {type: "button", class: "secondary", text: t("console.retry"), onclick: route}));
    return;  // picbot's return renders the page again (state.refresh is null)
  }
  const schema = schemaAnswer.data, config = configAnswer.data;
  const notices = el("div", {id: "config-notices"});
  if (config.unknown_keys && config.unknown_keys.length) {
    notices.append(el("div", {class: "notice warn", text: t("console.config.unknown_keys", {keys: config.unknown_keys.join(", ")})}));
  }
  for (const problem of config.file_errors || []) {
    notices.append(el("div", {class: "notice bad", text: (problem.path ? problem.path + ": " : "") + problem.message}));
  }
  state.formKeys = {};
  state.formRefreshers = [];
  const root = renderObject(schema, config.values, "");
  formChanged();  // choice lists rendered before the map they name
  for (const override of config.env_overrides || []) {
    const target = root.node.querySelector(`[data-path="${CSS.escape(override.path)}"]`);
    if (target) target.append(el("div", {class: "desc", text: t("console.config.env_override", {env: override.env})}));
  }
  const {tabs, search} = configTabs(schema, root.node);
  const result = el("div", {id: "config-result"});
  const save = el("button", {type: "submit", id: "config-save", text: t("console.config.save")});
  const form = el("form", {id: "config-form", novalidate: true}, notices, search, tabs, root.node,
                  el("div", {class: "actions"}, save, result));
  const invalid = (data) => {
    const unplaced = showErrors(form, data.errors);
    result.append(el("span", {class: "notice bad", id: "config-invalid", text: t("console.config.invalid", {count: data.errors.length})}));
    for (const e of unplaced) result.append(el("div", {class: "error", text: (e.path ? e.path + ": " : "") + e.message}));
    const first = form.querySelector(".invalid");
    if (first) {
      showTabOf(form, first);
      first.scrollIntoView({block: "center"});
    }
  };
  // Save shows the diff of the file first (POST /api/config/preview); the
  // dialog's Save writes it.
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    save.disabled = true;
    result.replaceChildren();
    try {
      const values = root.get();
      const preview = await api.post("/api/config/preview", {values, language: state.lang});
      if (preview.status !== 200) {
        if (preview.data && preview.data.errors) invalid(preview.data);
        else result.append(el("span", {class: "notice bad", id: "config-failed", text: failure(preview.status, preview.data)}));
        return;
      }
      showErrors(form, []);
      if (!preview.data.diff) {
        result.append(el("span", {class: "notice", id: "config-unchanged", text: t("console.config.no_changes")}));
        return;
      }
      if (!(await confirmDiff(preview.data.diff))) return;
      const {status, data} = await api.post("/api/config", {values, language: state.lang});
      if (status === 200) {
        showErrors(form, []);
        result.append(el("span", {class: "notice", id: "config-saved", text: t("console.config.saved")}));
        if (data.restart_required && data.restart_required.length) {
          result.append(el("span", {class: "notice warn", text: t("console.config.restart_needed", {keys: data.restart_required.join(", ")})}));
        }
        if (data.reload_error) result.append(el("span", {class: "notice bad", text: data.reload_error}));
      } else if (data && data.errors) {
        invalid(data);
      } else {
        result.append(el("span", {class: "notice bad", id: "config-failed", text: failure(status, data)}));
      }
    } catch (e) {
      result.append(el("span", {class: "notice bad", id: "config-failed", text: e.message}));
    } finally {
      save.disabled = false;
    }
  });
  section.replaceChildren(form);
  fillInstanceStates(root.node);
  state.refresh = () => {};  // keep unsaved edits when picbot comes back
}

// ---- logs ------------------------------------------------------------------
// The last lines of picbot's log, coloured by level, filtered by level and
// text on the server (GET /api/logs); Pause keeps the shown lines and counts
// the new ones; Download saves what the filters select.
function renderLogs(section) {
  const box = el("div", {class: "log", id: "log-lines"});
  const level = el("select", {id: "log-level"},
                   [["", "all"], ["info", "info"], ["warning", "warning"], ["error", "error"]].map(
                     ([value, name]) => el("option", {value, text: t("console.logs.level_" + name)})));
  const search = el("input", {type: "search", id: "log-search", autocomplete: "off", placeholder: t("console.logs.search")});
  const pause = el("button", {type: "button", class: "secondary", id: "log-pause", text: t("console.logs.pause")});
  const download = el("a", {class: "button secondary", id: "log-download", download: "picbot.log", text: t("console.logs.download")});
  const note = el("div", {class: "desc", id: "log-note"});
  // active: the filters as a query, from the last change of level or search
  // (after typing stops); every load uses them.
  let paused = false, shown = [], active = "";
  const show = (lines) => {
    const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 20;
    box.replaceChildren(...(lines.length ? lines.map((line) => el("div", {class: "log-line level-" + line.level, "data-level": line.level, text: line.text}))
                                         : [el("div", {class: "log-empty", text: t("console.logs.empty")})]));
    if (atBottom) box.scrollTop = box.scrollHeight;
    shown = lines;
  };
  // force: show the answer even while paused (the user changed a filter).
  const load = async (force) => {
    const asked = active;
    download.href = "/api/logs?format=text&lines=1000" + asked;
    let answer;
    try {
      answer = await api.get("/api/logs?lines=500" + asked, {quiet: !force});
    } catch (e) {
      note.textContent = e.message;
      return;
    }
    if (asked !== active) return;  // the filters changed meanwhile: their own answer follows
    if (!answer.ok) { note.textContent = failure(answer.status, answer.data); return; }
    const lines = answer.data.lines;
    if (paused && !force) {
      const last = shown.length ? shown[shown.length - 1].text : null;
      const at = last === null ? -1 : lines.map((l) => l.text).lastIndexOf(last);
      note.textContent = t("console.logs.paused_new", {count: lines.length - 1 - at});
      return;
    }
    note.textContent = "";
    show(lines);
  };
  pause.addEventListener("click", () => {
    paused = !paused;
    pause.textContent = t(paused ? "console.logs.resume" : "console.logs.pause");
    pause.classList.toggle("active", paused);
    if (!paused) load(true);
  });
  const apply = () => {
    active = (level.value ? "&level=" + level.value : "") + (search.value ? "&q=" + encodeURIComponent(search.value) : "");
    load(true);
  };
  level.addEventListener("change", apply);
  let typing;
  search.addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(apply, 250); });
  section.replaceChildren(el("div", {class: "card"},
    el("div", {class: "actions log-tools"},
       el("label", {}, t("console.logs.level"), level), el("label", {}, t("console.logs.search"), search), pause, download),
    note, box));
  every(1500, () => load(false));
}

// ---- sandbox ---------------------------------------------------------------
// The bot's QQ number in the sandbox (the server says it in every poll).
let sandboxSelfId = 100000;

function segmentNodes(segments, onImage) {
  return segments.map((seg) => {
    if (seg.type === "text") return document.createTextNode(seg.data.text);
    if (seg.type === "image") {
      if (!seg.data.src) return el("span", {text: "[image]"});
      const img = el("img", {src: seg.data.src, alt: "image", class: "sandbox-image"});
      if (onImage) img.addEventListener("load", onImage);
      return img;
    }
    if (seg.type === "at") {
      const who = String(seg.data.qq) === String(sandboxSelfId) ? t("console.sandbox.at_bot") : "@" + seg.data.qq;
      return el("span", {class: "at", text: who + " "});
    }
    if (seg.type === "reply") return el("span", {class: "desc quote-ref", text: "↩ #" + seg.data.id + " "});
    return el("span", {class: "desc", text: "[" + seg.type + "]"});
  });
}

// Reads an image file as a data: URL small enough for one request (the
// console takes bodies up to 1 MiB): large ones are scaled down as JPEG.
async function imageDataUrl(file) {
  const read = (blob) => new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
  const limit = 700 * 1024;
  if (file.size * 4 / 3 < limit && /^image\/(png|jpeg|webp)$/.test(file.type)) return read(file);
  const bitmap = await createImageBitmap(file);
  for (const side of [2048, 1536, 1024, 768, 512]) {
    const scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
    const canvas = el("canvas", {width: Math.round(bitmap.width * scale), height: Math.round(bitmap.height * scale)});
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const url = canvas.toDataURL("image/jpeg", 0.85);
    if (url.length < limit) return url;
  }
  throw new Error(t("console.sandbox.bad_image"));
}

function renderSandbox(section) {
  const chat = el("div", {class: "chat", id: "sandbox-chat"});
  const user = el("input", {id: "sandbox-user", value: localStorage.sandboxUser || "10001", inputmode: "numeric"});
  const group = el("input", {id: "sandbox-group", value: localStorage.sandboxGroup ?? "20001", inputmode: "numeric"});
  const admin = el("input", {type: "checkbox", id: "sandbox-admin"});
  admin.checked = localStorage.sandboxAdmin === "1";
  const text = el("input", {id: "sandbox-text", autocomplete: "off", placeholder: "/help",
                            "aria-label": t("console.sandbox.message")});
  const error = el("div", {class: "error", id: "sandbox-error", role: "alert"});
  const file = el("input", {type: "file", id: "sandbox-file", accept: "image/png,image/jpeg,image/webp,image/gif", hidden: true});
  const pending = el("div", {class: "pending", id: "sandbox-pending"});
  let image = null;    // {name, url} attached to the next message
  let replyTo = null;  // message_id quoted by the next message
  const showPending = () => {
    const chip = (id, label, clear) => el("span", {class: "chip", id}, label,
      el("button", {type: "button", class: "link small", text: t("console.sandbox.remove"), onclick: () => { clear(); showPending(); }}));
    pending.replaceChildren(...[
      replyTo === null ? null : chip("sandbox-quoting", t("console.sandbox.quoting", {id: replyTo}), () => { replyTo = null; }),
      image === null ? null : chip("sandbox-attached", t("console.sandbox.attached", {name: image.name}), () => { image = null; })]
      .filter(Boolean));
  };
  file.addEventListener("change", async () => {
    const chosen = file.files[0];
    file.value = "";
    if (!chosen) return;
    error.textContent = "";
    try {
      image = {name: chosen.name, url: await imageDataUrl(chosen)};
    } catch (e) {
      image = null;
      error.textContent = t("console.sandbox.bad_image");
    }
    showPending();
  });
  const atBot = el("button", {type: "button", class: "secondary compact", id: "sandbox-at", text: t("console.sandbox.at_bot")});
  atBot.addEventListener("click", () => {
    const code = "[CQ:at,qq=" + sandboxSelfId + "] ";
    if (!text.value.includes(code)) text.value = code + text.value;
    text.focus();
  });
  const attach = el("button", {type: "button", class: "secondary compact", id: "sandbox-attach", text: t("console.sandbox.attach")});
  attach.addEventListener("click", () => file.click());
  const form = el("form", {id: "sandbox-form"},
    el("div", {class: "form-row"},
       el("label", {}, t("console.sandbox.user_id"), user), el("label", {}, t("console.sandbox.group_id"), group),
       el("label", {class: "check"}, admin, " " + t("console.sandbox.as_admin"))),
    el("div", {class: "tools"}, atBot, attach, file, pending),
    el("div", {class: "composer"}, text,
       el("button", {type: "submit", id: "sandbox-send", class: "compact", text: t("console.sandbox.send")})), error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const userId = user.value.trim(), groupId = group.value.trim();
    if (!/^\d+$/.test(userId)) { error.textContent = t("console.sandbox.bad_user"); user.focus(); return; }
    if (groupId !== "" && !/^\d+$/.test(groupId)) { error.textContent = t("console.sandbox.bad_group"); group.focus(); return; }
    localStorage.sandboxUser = userId; localStorage.sandboxGroup = groupId;
    localStorage.sandboxAdmin = admin.checked ? "1" : "0";
    const body = {user_id: userId, group_id: groupId, admin: admin.checked, text: text.value};
    if (image) body.image = image.url;
    if (replyTo !== null) body.reply_to = replyTo;
    const send = form.querySelector("#sandbox-send");
    send.disabled = true;
    try {
      const {ok, status, data} = await api.post("/api/sandbox/send", body);
      if (!ok) { error.textContent = failure(status, data); return; }
      text.value = "";
      image = null;
      replyTo = null;
      showPending();
      poll();
    } catch (e) {
      error.textContent = e.message;
    } finally {
      send.disabled = false;
    }
  });
  section.replaceChildren(el("div", {class: "card sandbox"}, el("p", {class: "desc", text: t("console.sandbox.hint")}), chat, form));
  const toEnd = () => { chat.scrollTop = chat.scrollHeight; };
  const quote = (messageId) => { replyTo = messageId; showPending(); text.focus(); };
  let after = 0;
  const poll = async () => {
    const {ok, status, data} = await api.get("/api/sandbox/messages?after=" + after, {quiet: true});
    if (!ok) { error.textContent = failure(status, data); return; }
    if (data.self_id) sandboxSelfId = data.self_id;
    for (const m of data.messages) {
      after = Math.max(after, m.id);
      if (m.direction === "note") {
        chat.append(el("div", {class: "note", "data-direction": "note", "data-label": m.label, text: t(m.label)}));
        continue;
      }
      const who = m.direction === "in" ? t("console.sandbox.you") + " (" + m.user_id + ")" : t("console.sandbox.bot");
      const where = m.group_id ? " · " + m.group_id : "";
      const quoteButton = el("button", {type: "button", class: "link small quote", text: t("console.sandbox.quote")});
      quoteButton.addEventListener("click", () => quote(m.message_id));
      chat.append(el("div", {class: "bubble " + m.direction, "data-direction": m.direction, "data-message-id": m.message_id},
                     el("span", {class: "who"}, "#" + m.message_id + " · " + who + where, quoteButton),
                     segmentNodes(m.segments, toEnd)));
      toEnd();
    }
  };
  every(1000, poll);
}

// ---- storage ---------------------------------------------------------------
// The image store's figures and actions (GET /api/storage). The disk bar is
// amber from 80 % of the cap and red from 95 %.
function storageLevel(used, cap) {
  if (!cap) return "none";
  const ratio = used / cap;
  return ratio >= 0.95 ? "red" : ratio >= 0.8 ? "amber" : "green";
}

function renderStorage(section) {
  const figures = el("div", {class: "card", id: "storage-figures"});
  const fill = el("div", {id: "storage-bar-fill"});
  const bar = el("div", {id: "storage-bar", class: "storage-bar"}, fill);
  const barText = el("div", {class: "desc", id: "storage-bar-text"});
  const note = el("div", {class: "desc", id: "storage-note"});
  // The bucket part: its name, the bucket actions, the probe's result and
  // the failed uploads (backend s3), or where images are kept (local).
  const bucketInfo = el("div", {class: "desc", id: "storage-bucket"});
  const probe = el("div", {class: "notice", id: "storage-probe", hidden: true});
  const failedTable = el("div", {class: "table-wrap", id: "storage-failed"});
  const localNote = el("div", {class: "notice", id: "storage-local-only", hidden: true, text: t("console.storage.local_only")});
  const action = (id, path, key) => el("button", {type: "button", class: "secondary", id, text: t("console.storage." + id.replace("storage-", "")),
    onclick: async () => {
      const {ok, data} = await api.post(path);
      note.textContent = ok ? t("console.storage." + key, data) : (data && data.message) || "";
      load();
    }});
  const testButton = el("button", {type: "button", class: "secondary", id: "storage-test_connection", text: t("console.storage.test_connection"),
    onclick: async () => {
      probe.hidden = false;
      probe.className = "notice";
      probe.textContent = t("console.storage.testing");
      const {ok, data} = await api.post("/api/storage/test_connection");
      const passed = ok && data && data.ok === true;
      probe.className = "notice " + (passed ? "good" : "bad");
      probe.dataset.ok = passed ? "true" : "false";
      probe.textContent = ok && data ? t(passed ? "console.storage.test_ok" : "console.storage.test_failed", {elapsed: data.elapsed_ms, message: data.message})
                                     : (data && data.message) || "";
    }});
  const bucketButtons = el("div", {class: "row", id: "storage-bucket-actions"},
                           action("storage-upload_pending", "/api/storage/upload_pending", "uploading_now"),
                           action("storage-retry_failed", "/api/storage/retry_failed", "retried"), testButton);
  const bucketPart = el("div", {class: "card", id: "storage-bucket-part", hidden: true},
                        el("h3", {text: t("console.storage.bucket")}), bucketInfo, bucketButtons, probe,
                        el("h3", {text: t("console.storage.failed_title")}), failedTable);
  const mb = (bytes) => (bytes / 1048576).toFixed(1) + " MB";
  const renderFailed = (rows) => {
    if (!rows.length) {
      failedTable.replaceChildren(el("div", {class: "desc", text: t("console.storage.no_failed")}));
      return;
    }
    failedTable.replaceChildren(el("table", {},
      el("thead", {}, el("tr", {}, ...["failed_key", "failed_attempts", "failed_error"].map((k) => el("th", {text: t("console.storage." + k)})))),
      el("tbody", {}, ...rows.map((row) => el("tr", {},
        el("td", {class: "break", text: row.key}), el("td", {text: String(row.attempts)}),
        el("td", {class: "break", text: row.last_error}))))));
  };
  const load = async () => {
    const {ok, data} = await api.get("/api/storage", {quiet: true});
    if (!ok || !data) return;
    const dash = (v) => (v === null || v === undefined) ? "—" : String(v);
    const shown = [["images", data.images], ["local", data.local], ["remote", data.remote],
                   ["pending", dash(data.pending_uploads)], ["failed", dash(data.failed_uploads)]];
    if (data.bucket) shown.splice(4, 0, ["uploading", dash(data.uploading)], ["uploaded", dash(data.uploaded)]);
    figures.replaceChildren(...shown.map(
      ([key, value]) => el("div", {class: "storage-figure", "data-figure": key},
                           el("span", {class: "desc", text: t("console.storage.figure_" + key) + " "}),
                           el("strong", {text: String(value)}))));
    const level = storageLevel(data.disk_bytes, data.cap_bytes);
    bar.dataset.level = level;
    const colours = {green: "#2e9d57", amber: "#e0a100", red: "#d64545", none: "#8a94a6"};
    const percent = data.cap_bytes ? Math.min(100, 100 * data.disk_bytes / data.cap_bytes) : 0;
    Object.assign(bar.style, {height: "14px", background: "#eef1f6", borderRadius: "7px", overflow: "hidden"});
    Object.assign(fill.style, {height: "100%", width: percent + "%", background: colours[level]});
    barText.textContent = data.cap_bytes ? t("console.storage.disk_of_cap", {used: mb(data.disk_bytes), cap: mb(data.cap_bytes)})
                                         : t("console.storage.disk_no_cap", {used: mb(data.disk_bytes)});
    bucketPart.hidden = !data.bucket;
    localNote.hidden = !!data.bucket;
    if (!data.bucket) return;
    bucketInfo.replaceChildren(
      el("div", {text: t("console.storage.bucket_line", {bucket: data.bucket.name, endpoint: data.bucket.endpoint, prefix: data.bucket.prefix || "/"})}),
      ...(data.oldest_pending_ms > 0 ? [el("div", {id: "storage-oldest", text: t("console.storage.oldest_pending", {age: duration(Math.round(data.oldest_pending_ms / 1000))})})] : []));
    renderFailed(data.failed || []);
  };
  section.replaceChildren(el("h2", {text: t("console.nav.storage")}), figures, bar, barText,
                          el("div", {class: "row"}, action("storage-clean", "/api/storage/clean", "cleaned"),
                             action("storage-clear_cache", "/api/storage/clear_cache", "cleared")), note,
                          localNote, bucketPart);
  load();
  state.timers.push(setInterval(load, 5000));
}

// ---- plugin pages ----------------------------------------------------------
const pluginRenderers = {};
window.picbotConsole = {registerPage(id, render) { pluginRenderers[id] = render; }};

async function renderPlugin(section, page) {
  section.replaceChildren();
  const key = page.id;
  if (!pluginRenderers[key]) {
    await new Promise((resolve, reject) => {
      document.head.append(el("script", {src: page.script, onload: resolve, onerror: reject}));
    });
  }
  const base = page.api;
  const pluginApi = {
    get: (p) => api.get(base + p), post: (p, b) => api.post(base + p, b), lang: state.lang, t, el,
    every,
  };
  if (pluginRenderers[key]) pluginRenderers[key](section, pluginApi);
}

// ---- shell -----------------------------------------------------------------
const builtin = [["status", renderStatus], ["config", renderConfig], ["logs", renderLogs], ["sandbox", renderSandbox],
                 ["storage", renderStorage]];

function buildNav() {
  const nav = document.getElementById("nav");
  nav.replaceChildren(...builtin.map(([id]) => el("a", {href: "#" + id, "data-page": id, text: t("console.nav." + id)})),
                      ...state.pages.map((p) => el("a", {href: "#plugin/" + p.plugin + "/" + p.id,
                                                         "data-page": "plugin/" + p.plugin + "/" + p.id,
                                                         text: p.title[state.lang] || p.title["zh-CN"]})));
  document.getElementById("lang-toggle").textContent = t("console.language");
  document.getElementById("logout").textContent = t("console.logout");
  document.title = t("console.title");
}

function route() {
  state.timers.forEach(clearInterval);
  state.timers = [];
  state.refresh = null;
  state.onOffline = null;
  const name = (location.hash || "#status").slice(1);
  document.querySelectorAll(".page").forEach((p) => { p.hidden = true; });
  document.querySelectorAll("#nav a").forEach((a) => a.classList.toggle("active", a.dataset.page === name));
  document.getElementById("nav").classList.remove("open");
  const found = builtin.find(([id]) => id === name);
  if (found) {
    const section = document.getElementById("page-" + found[0]);
    section.hidden = false;
    found[1](section);
    if (!state.online && state.onOffline) state.onOffline();  // opened while picbot is away
    return;
  }
  const page = state.pages.find((p) => name === "plugin/" + p.plugin + "/" + p.id);
  if (page) {
    const section = document.getElementById("page-plugin");
    section.hidden = false;
    renderPlugin(section, page).catch((e) => toast(t("console.error.network", {detail: e.message || e})));
    return;
  }
  location.hash = "#status";
}

async function main() {
  const [session, labels, pages] = await Promise.all([api.get("/api/session"), api.get("/api/labels"), api.get("/api/pages")]);
  state.csrf = session.data.csrf;
  state.labels = labels.data;
  state.pages = pages.data;
  state.lang = localStorage.lang || session.data.language || "zh-CN";
  document.documentElement.lang = state.lang;
  buildNav();
  document.getElementById("menu-toggle").addEventListener("click", () => document.getElementById("nav").classList.toggle("open"));
  document.getElementById("lang-toggle").addEventListener("click", () => {
    state.lang = state.lang === "en" ? "zh-CN" : "en";
    localStorage.lang = state.lang;
    document.documentElement.lang = state.lang;
    buildNav();
    route();
  });
  document.getElementById("logout").addEventListener("click", async () => {
    try {
      await api.post("/api/logout");
      window.location.href = "/login";
    } catch (e) {
      toast(e.message);
    }
  });
  window.addEventListener("hashchange", route);
  route();
  // Notices a stop of picbot (or an ended session) on pages that do not poll.
  setInterval(() => { if (state.online) api.get("/api/session", {quiet: true}).catch(() => {}); }, 5000);
}

main().catch((e) => toast(String(e)));
