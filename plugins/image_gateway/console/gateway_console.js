// The image gateway's console page: keys (create, shown once; revoke), their
// figures, the last 100 requests, and the settings block for OpenWebUI and
// LobeChat. Plain JS, no build step; texts come from GET labels (zh-CN or en
// as the console is set). Everything is built with DOM nodes and textContent:
// key names and models are outside input.
"use strict";
(() => {
  let labels = null;  // {"zh-CN": {...}, "en": {...}}

  function tr(api, key, vars) {
    let text = (labels[api.lang] || {})[key] || (labels["zh-CN"] || {})[key] || key;
    for (const [name, value] of Object.entries(vars || {})) text = text.split("{" + name + "}").join(String(value));
    return text;
  }

  function when(api, ms) {
    if (ms === null || ms === undefined) return "—";
    return new Date(ms).toLocaleString(api.lang, {month: "numeric", day: "numeric", hour: "2-digit",
                                                  minute: "2-digit", second: "2-digit"});
  }

  // The console's CSP forbids style attributes; CSSOM properties are allowed.
  function styled(node, css) {
    Object.assign(node.style, css);
    return node;
  }

  function message(data) {
    return (data && (data.message || data.error)) || String(data);
  }

  // The clipboard API needs a secure context (https or localhost); elsewhere
  // the text is selected and copied the old way.
  async function copy(text, node) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (e) {
      const range = document.createRange();
      range.selectNodeContents(node);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      return document.execCommand("copy");
    }
  }

  function render(container, api) {
    const el = api.el, t = (k, v) => tr(api, k, v);
    const small = (text) => el("div", {class: "desc", text});
    const status = el("div", {id: "gateway-notice"});
    const hint = el("p", {class: "desc", id: "gateway-keys-hint"});
    const keysTable = el("div", {class: "table-wrap", id: "gateway-keys"});
    const requestsTable = el("div", {class: "table-wrap", id: "gateway-requests"});
    const setupBlock = el("div", {id: "gateway-setup"});
    let setup = null;

    function say(ok, text) {
      status.className = !text ? "" : ok ? "notice" : "error";
      status.textContent = text;
    }

    // ---- create: the key is shown once, in a dialog ------------------------
    const keyText = styled(el("pre", {id: "gateway-created-key"}), {userSelect: "all", margin: "8px 0"});
    const copied = el("span", {class: "desc", id: "gateway-copied"});
    const dialogTitle = el("h3", {id: "gateway-created-title"});
    const dialog = el("dialog", {class: "diff-dialog", id: "gateway-created-dialog"},
      dialogTitle,
      el("p", {class: "error", id: "gateway-created-warning", text: t("gateway.console.created_warning")}),
      keyText,
      el("div", {class: "form-row"},
         el("button", {type: "button", id: "gateway-copy-key", text: t("gateway.console.copy"), onclick: async () => {
           copied.textContent = (await copy(keyText.textContent, keyText)) ? t("gateway.console.copied") : "";
         }}),
         copied,
         el("button", {type: "button", class: "secondary", id: "gateway-created-close", text: t("gateway.console.close"),
                       onclick: () => forget()})));
    // Once closed (the button, or Escape), the key is gone from the page too.
    function forget() {
      keyText.textContent = "";
      copied.textContent = "";
      if (dialog.open) dialog.close();
    }
    dialog.addEventListener("close", forget);

    const name = el("input", {id: "gateway-new-name", maxlength: "32", autocomplete: "off", placeholder: "webui"});
    const form = el("form", {id: "gateway-create-form"},
      el("div", {class: "form-row"},
         el("label", {}, t("gateway.console.new_name"), name),
         el("button", {type: "submit", id: "gateway-create", text: t("gateway.console.create")})));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const {ok, data} = await api.post("/keys", {name: name.value.trim(), language: api.lang});
      if (!ok) { say(false, message(data)); return; }
      say(true, "");
      name.value = "";
      dialogTitle.textContent = t("gateway.console.created_title", {name: data.name});
      keyText.textContent = data.key;
      dialog.showModal();
      await refreshKeys();
      renderSetup();
    });

    async function revoke(key) {
      if (!window.confirm(t("gateway.console.confirm_revoke", {name: key.name}))) return;
      const {ok, data} = await api.post("/keys/revoke", {name: key.name, language: api.lang});
      say(ok, ok ? t("gateway.console.revoked", {name: key.name}) : message(data));
      await refreshKeys();
    }

    // ---- keys and their figures -------------------------------------------
    // Four columns, each with a small second line, so a phone needs no sideways scrolling.
    async function refreshKeys() {
      const {ok, data} = await api.get("/keys");
      if (!ok) { say(false, message(data)); return; }
      hint.textContent = t("gateway.console.keys_hint", {since: when(api, data.since_ms)});
      if (data.keys.length === 0) {
        keysTable.replaceChildren(el("p", {text: t("gateway.console.no_keys")}));
        return;
      }
      const head = el("tr", {}, ["name", "use", "quota", ""].map(
        (k) => el("th", {text: k ? t("gateway.console.col_" + k) : ""})));
      const rows = data.keys.map((key) => {
        const quota = key.quota === null ? t("gateway.console.quota_off")
                                         : key.quota.used + " / " + key.quota.limit;
        const action = key.revocable
          ? el("button", {type: "button", class: "secondary small revoke", text: t("gateway.console.revoke"),
                          onclick: () => revoke(key)})
          : small(t("gateway.console.env_note"));
        return el("tr", {"data-name": key.name, "data-source": key.source},
          el("td", {}, el("b", {text: key.name}), el("div", {class: "desc mono key-mask", text: key.key}),
             small(t("gateway.console.source_" + key.source))),
          el("td", {}, el("span", {class: "use", text: key.requests + " / " + key.images}),
             key.failures ? small(t("gateway.console.failures", {n: key.failures})) : null,
             small(t("gateway.console.col_last") + " " + when(api, key.last_used_ms))),
          el("td", {class: "quota", text: quota}),
          styled(el("td", {}, action), {maxWidth: "120px"}));
      });
      keysTable.replaceChildren(el("table", {}, head, rows));
    }

    // ---- the last 100 requests --------------------------------------------
    let newest = null;  // the newest request shown; a new one refreshes the keys' figures too
    async function refreshRequests() {
      const {ok, data} = await api.get("/requests");
      if (!ok) return;
      const latest = data.recent.length ? data.recent[0].time_ms + "/" + data.recent.length : "";
      if (newest !== null && latest !== newest) refreshKeys();
      newest = latest;
      if (data.recent.length === 0) {
        requestsTable.replaceChildren(el("p", {text: t("gateway.console.no_requests")}));
        return;
      }
      const head = el("tr", {}, ["time", "name", "model", "status"].map(
        (k) => el("th", {text: t("gateway.console.col_" + k)})));
      const rows = data.recent.map((r) => el("tr", {class: "request", "data-status": r.status},
        el("td", {}, when(api, r.time_ms), small(r.route)),
        el("td", {text: r.key || "—"}),
        styled(el("td", {text: r.model || "—"}), {wordBreak: "break-all"}),
        el("td", {}, el("span", {class: "pill " + (r.status < 400 ? "active" : "disabled"), text: String(r.status)}),
           small(r.duration_ms + " ms"))));
      requestsTable.replaceChildren(el("table", {}, head, rows));
    }

    // ---- the OpenWebUI / LobeChat block -------------------------------------
    function renderSetup() {
      if (!setup) return;
      const key = t("gateway.console.your_key");
      const models = setup.image_models.length ? setup.image_models : [t("gateway.console.no_models")];
      const all = setup.chat_model ? models.concat([setup.chat_model]) : models;
      const block = (id, title, lines) => {
        const text = lines.join("\n");
        const pre = el("pre", {class: "log", id});
        pre.textContent = text;
        const done = el("span", {class: "desc"});
        return el("div", {class: "setup-block"}, el("h3", {text: title}), pre,
          el("div", {class: "form-row"},
             el("button", {type: "button", class: "secondary small", text: t("gateway.console.copy"),
                           onclick: async () => { done.textContent = (await copy(text, pre)) ? t("gateway.console.copied") : ""; }}),
             done));
      };
      setupBlock.replaceChildren(
        el("p", {class: "desc", text: t("gateway.console.setup_hint")}),
        block("gateway-setup-openwebui-images", t("gateway.console.openwebui_images"), [
          "Image Generation Engine: Default (Open AI)",
          "OpenAI API Base URL: " + setup.base_url,
          "OpenAI API Key: " + key,
          "Model: " + models[0],
        ]),
        block("gateway-setup-openwebui-chat", t("gateway.console.openwebui_chat"), [
          "API Base URL: " + setup.base_url,
          "API Key: " + key,
          "Model IDs: " + all.join(", "),
        ]),
        block("gateway-setup-lobechat", t("gateway.console.lobechat"), [
          "API Key: " + key,
          "API Proxy Address: " + setup.base_url,
          "Model List: " + all.join(","),
        ]));
    }

    container.replaceChildren(
      el("div", {class: "card"}, el("h2", {text: t("gateway.console.keys")}), hint, status, keysTable, form),
      el("div", {class: "card"}, el("h2", {text: t("gateway.console.requests")}), requestsTable),
      el("div", {class: "card"}, el("h2", {text: t("gateway.console.setup")}), setupBlock),
      dialog);
    api.get("/setup").then(({ok, data}) => { if (ok) { setup = data; renderSetup(); } });
    api.every(10000, refreshKeys);
    api.every(3000, refreshRequests);
  }

  // The labels load once; a page left meanwhile is not drawn over the next one.
  window.picbotConsole.registerPage("gateway", async (container, api) => {
    const shown = location.hash;
    if (!labels) {
      const {ok, data} = await api.get("/labels");
      labels = ok ? data : {};
    }
    if (location.hash === shown) render(container, api);
  });
})();
