// gemini_pic_gen's console pages: Quotas and Gallery. One script registers
// both (the console loads it once, for whichever page is opened first).
// Plain JS, no build step; labels come from the plugin's message table
// (GET labels), zh-CN or en as the console is set.
"use strict";
(() => {
  const BASE = "/api/plugins/gemini_pic_gen";
  let labels = null;  // {"zh-CN": {...}, "en": {...}}

  async function loadLabels(api) {
    if (labels) return;
    const {ok, data} = await api.get("/labels");
    labels = ok ? data : {};
  }

  function tr(api, key, vars) {
    let text = (labels[api.lang] || {})[key] || (labels["zh-CN"] || {})[key] || key;
    for (const [name, value] of Object.entries(vars || {})) text = text.split("{" + name + "}").join(String(value));
    return text;
  }

  function when(api, ms) {
    if (ms === null || ms === undefined) return "—";
    return new Date(ms).toLocaleString(api.lang, {month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit"});
  }

  // The console's CSP forbids style attributes; CSSOM properties are allowed.
  function styled(node, css) {
    Object.assign(node.style, css);
    return node;
  }

  function message(data) {
    return (data && (data.message || data.error)) || String(data);
  }

  // DELETE needs the CSRF token; the page api offers get and post only.
  async function del(path) {
    const session = await fetch("/api/session", {credentials: "same-origin"}).then((r) => r.json());
    const response = await fetch(BASE + path, {method: "DELETE", credentials: "same-origin",
                                                headers: {"X-CSRF-Token": session.csrf || ""}});
    const type = response.headers.get("content-type") || "";
    return {ok: response.ok, data: type.startsWith("application/json") ? await response.json() : await response.text()};
  }

  // ---- Quotas ---------------------------------------------------------------
  function renderQuotas(container, api) {
    const el = api.el, t = (k, v) => tr(api, k, v);
    const summary = el("p", {class: "desc", id: "gemini-quota-summary"});
    const table = styled(el("div", {id: "gemini-quota-table"}), {overflowX: "auto"});
    const status = el("div", {class: "error", id: "gemini-quota-error"});

    // The scope in the console's language ("用户 42"), not the API's English "user 42".
    const scopeText = (body) => body.scope === "all" ? t("gemini.console.scope_all")
                                                      : t("gemini.console.scope_" + body.scope) + " " + body.id;
    async function reset(body, question) {
      if (!window.confirm(question)) return;
      const {ok, data} = await api.post("/quotas/reset", body);
      status.className = ok ? "notice" : "error";
      status.textContent = ok ? t("gemini.console.reset_done", {scope: scopeText(body)}) : message(data);
      await refresh();
    }

    const scope = el("select", {id: "gemini-reset-scope"},
                     el("option", {value: "user", text: t("gemini.console.scope_user")}),
                     el("option", {value: "group", text: t("gemini.console.scope_group")}));
    const id = el("input", {id: "gemini-reset-id", inputmode: "numeric", placeholder: "123456"});
    const form = el("form", {id: "gemini-reset-form"},
      el("div", {class: "form-row"},
         el("label", {}, t("gemini.console.scope"), scope), el("label", {}, t("gemini.console.id"), id),
         el("button", {type: "submit", id: "gemini-reset-one", text: t("gemini.console.reset")}),
         el("button", {type: "button", id: "gemini-reset-all", class: "secondary", text: t("gemini.console.reset_all"),
                       onclick: () => reset({scope: "all"}, t("gemini.console.confirm_reset_all"))})));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const target = id.value.trim();
      reset({scope: scope.value, id: target}, t("gemini.console.confirm_reset", {scope: scopeText({scope: scope.value, id: target})}));
    });

    function usage(entry) {
      if (entry.limit === null) return entry.used + " / —";
      if (entry.limit < 0) return entry.used + " / ∞";
      return entry.used + " / " + entry.limit;
    }

    async function refresh() {
      const {ok, data} = await api.get("/quotas");
      if (!ok) { status.className = "error"; status.textContent = message(data); return; }
      summary.textContent = (data.enabled ? t("gemini.console.quota_on") : t("gemini.console.quota_off")) + " · " +
        t("gemini.console.quota_rules", {limit: data.default_limit, minutes: data.reset_interval_minutes});
      if (data.buckets.length === 0) {
        table.replaceChildren(el("p", {text: t("gemini.console.no_buckets")}));
        return;
      }
      // Four columns, each with a small second line, so a phone needs no sideways scrolling.
      const small = (text) => el("div", {class: "desc", text});
      const head = el("tr", {}, ["bucket", "used", "resets_at", ""].map(
        (k) => el("th", {text: k ? t("gemini.console.col_" + k) : ""})));
      const rows = data.buckets.map((b) => {
        const [kind, target] = b.bucket.split(":");
        const left = b.remaining === null ? "—" : b.remaining < 0 ? "∞" : b.remaining;
        return el("tr", {"data-bucket": b.bucket},
          el("td", {}, b.bucket, small(t("gemini.console.tier_" + b.tier))),
          el("td", {}, el("span", {class: "used", text: usage(b)}), small(t("gemini.console.col_remaining") + " " + left)),
          el("td", {}, when(api, b.resets_at_ms),
             b.window_start_ms === null ? null : small(t("gemini.console.col_window_start") + " " + when(api, b.window_start_ms))),
          el("td", {}, b.used > 0 ? styled(el("button", {class: "secondary", text: t("gemini.console.reset"),
            onclick: () => reset({scope: kind, id: target}, t("gemini.console.confirm_reset", {scope: b.bucket}))}),
                                           {whiteSpace: "nowrap"}) : null));
      });
      table.replaceChildren(el("table", {}, head, rows));
    }

    container.replaceChildren(
      el("div", {class: "card"}, el("h2", {text: t("gemini.console.quotas")}), summary, status, table),
      el("div", {class: "card"}, el("h2", {text: t("gemini.console.reset_title")}),
         el("p", {class: "desc", text: t("gemini.console.reset_hint")}), form));
    api.every(10000, refresh);
  }

  // ---- Gallery --------------------------------------------------------------
  function renderGallery(container, api) {
    const el = api.el, t = (k, v) => tr(api, k, v);
    const grid = styled(el("div", {id: "gemini-gallery"}), {
      display: "grid", gridTemplateColumns: "repeat(auto-fill, minmax(min(220px, 100%), 1fr))", gap: "10px"});
    const note = el("p", {class: "desc"});
    let shown = null;  // the ids on screen, comma-separated

    // Where the image's copies are: this machine and/or the bucket.
    function stored(image) {
      const where = [];
      if (image.local) where.push(t("gemini.console.stored_local"));
      if (image.remote) where.push(t("gemini.console.stored_remote"));
      return where.join(" + ") || "—";
    }

    function card(image) {
      const src = BASE + "/gallery/" + image.id;
      const where = image.group_id ? t("gemini.console.in_group", {group: image.group_id})
                                   : t("gemini.console.private");
      const remove = el("button", {class: "secondary", text: t("gemini.console.delete"), onclick: async () => {
        if (!window.confirm(t("gemini.console.confirm_delete"))) return;
        const {ok, data} = await del("/gallery/" + image.id);
        if (!ok && !(data && data.error === "not_found")) { window.alert(message(data)); return; }
        node.remove();
      }});
      const thumbnail = styled(el("img", {src, loading: "lazy", alt: image.prompt}), {
        width: "100%", height: "180px", objectFit: "cover", borderRadius: "6px", background: "#eef1f6"});
      const node = styled(el("div", {class: "card", "data-id": image.id},
        el("a", {href: src, target: "_blank", rel: "noopener"}, thumbnail),
        styled(el("div", {class: "prompt", text: image.prompt || "—"}), {margin: "6px 0", wordBreak: "break-word"}),
        el("div", {class: "desc", text: t("gemini.console.by_user", {user: image.user_id}) + " · " + where}),
        el("div", {class: "desc", text: when(api, image.time_ms) + (image.model ? " · " + image.model : "")}),
        el("div", {class: "desc stored", text: stored(image)}),
        remove), {margin: "0"});
      return node;
    }

    async function refresh() {
      const {ok, data} = await api.get("/gallery");
      if (!ok) { note.className = "error"; note.textContent = message(data); return; }
      note.className = "desc";
      note.textContent = t("gemini.console.gallery_hint", {minutes: data.ttl_minutes});
      const ids = data.images.map((i) => i.id).join(",");
      if (ids === shown) return;  // keep the page still while nothing changed
      shown = ids;
      grid.replaceChildren(...(data.images.length ? data.images.map(card)
                                                  : [el("p", {text: t("gemini.console.no_images")})]));
    }

    container.replaceChildren(el("div", {class: "card"}, el("h2", {text: t("gemini.console.gallery")}), note), grid);
    api.every(15000, refresh);
  }

  // The labels load once; a page left meanwhile is not drawn over the next one.
  const page = (render) => async (container, api) => {
    const shown = location.hash;
    await loadLabels(api);
    if (location.hash === shown) render(container, api);
  };
  window.picbotConsole.registerPage("quotas", page(renderQuotas));
  window.picbotConsole.registerPage("gallery", page(renderGallery));
})();
