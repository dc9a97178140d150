// spinemet web pages: a little hand-written JavaScript over the JSON API (no build step, no inline script).
// Every value from the server is written with textContent (never innerHTML), so data cannot become markup.
"use strict";

const csrf = () => document.body.dataset.csrf || "";

async function api(method, url, body, headers) {
  const init = { method, headers: Object.assign({ "Accept": "application/json" }, headers || {}) };
  if (method !== "GET") init.headers["X-CSRF-Token"] = csrf();
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url, init);
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  return { status: response.status, data };
}

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

// ------------------------------------------------------------------------------------------- form
function formValues(form) {
  const values = {};
  for (const input of form.querySelectorAll("[name]")) {
    if (input.closest(".field") === null || input.name === "reason") continue;
    if (input.multiple) {
      const chosen = Array.from(input.selectedOptions).map((o) => o.value).filter((v) => v);
      values[input.name] = chosen.join(";");
    } else {
      values[input.name] = input.value.trim();
    }
  }
  return values;
}

function setValues(form, values) {
  for (const [name, value] of Object.entries(values || {})) {
    const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (!input || value === null || value === undefined) continue;
    if (input.multiple) {
      const chosen = String(value).split(";");
      for (const option of input.options) option.selected = chosen.includes(option.value);
    } else {
      input.value = String(value);
    }
  }
}

function clearErrors(form) {
  for (const field of form.querySelectorAll(".field")) {
    field.classList.remove("invalid");
    const slot = field.querySelector(".error");
    if (slot) slot.textContent = "";
  }
}

function showErrors(form, errors) {
  clearErrors(form);
  const general = [];
  for (const e of errors || []) {
    const field = e.column ? form.querySelector(`.field[data-field="${CSS.escape(e.column)}"]`) : null;
    const text = e.allowed && !e.message.includes("allowed") ? `${e.message} (allowed: ${e.allowed})` : e.message;
    if (field) {
      field.classList.add("invalid");
      const slot = field.querySelector(".error");
      slot.textContent = slot.textContent ? `${slot.textContent}; ${text}` : text;
    } else {
      general.push(text);
    }
  }
  return general;
}

// -------------------------------------------------------------------------------------- score card
function scoreCard(key, s) {
  const card = el("div", null, "card");
  card.dataset.score = key;
  let total = s.total;
  if (key === "escc" && s.extra && s.extra.label) total = `grade ${s.extra.label}`;
  const band = s.band ? `, band ${s.band}` : "";
  const label = s.band_label ? ` (${s.band_label})` : "";
  card.append(el("h3", `${s.score}: ${total}${band}${label}`));
  if (s.components && s.components.length) {
    const table = el("table");
    const head = el("tr");
    for (const h of ["Component", "Value", "Category", "Points"]) head.append(el("th", h));
    table.append(head);
    for (const c of s.components) {
      const row = el("tr");
      const value = c.derived_from ? `${c.value} (from ${c.derived_from})` : c.value;
      for (const cell of [c.label, value, c.category, c.points]) row.append(el("td", cell));
      table.append(row);
    }
    card.append(table);
  }
  for (const note of s.notes || []) card.append(el("p", `note: ${note}`, "meta"));
  card.append(el("p", `version ${s.version}; ${s.citation}`, "meta"));
  return card;
}

function rangeCard(key, r) {
  const card = el("div", null, "card range");
  card.dataset.range = key;
  const bands = r.bands.map((b) => b.band).join(" or ");
  const span = r.low === r.high ? `${r.low}` : `${r.low}–${r.high}`;
  card.append(el("h3", `${key} ${span}: band ${bands}`));
  card.append(el("p", `still missing: ${r.missing.join(", ")}`, "meta"));
  return card;
}

function verdictCard(v) {
  const card = el("div", null, `card verdict ${v.decision}`);
  card.append(el("h3", `${v.rule}: ${v.decision}`));
  const list = el("ul");
  for (const reason of v.reasons || []) list.append(el("li", reason));
  card.append(list);
  if (v.missing && v.missing.length) card.append(el("p", `missing: ${v.missing.join(", ")}`, "meta"));
  card.append(el("p", `source: ${v.citation}`, "meta"));
  return card;
}

function renderCard(target, card) {
  target.replaceChildren();
  target.append(el("h2", "Scores"));
  const scores = card.scores || {};
  for (const [key, s] of Object.entries(scores)) target.append(scoreCard(key, s));
  for (const [key, r] of Object.entries(card.ranges || {})) target.append(rangeCard(key, r));
  for (const [key, why] of Object.entries(card.not_computed || {})) {
    if (!(card.ranges || {})[key]) target.append(el("p", `${key}: not computed: ${why}`, "meta"));
  }
  if (card.frankel_change) target.append(el("p", `Frankel change: ${card.frankel_change}`));
  const pathway = card.pathway;
  if (pathway) {
    target.append(el("h2", `Pathway (rules version ${pathway.rules_version})`));
    for (const v of Object.values(pathway)) {
      if (v && typeof v === "object" && "rule" in v) target.append(verdictCard(v));
    }
    for (const v of Object.values(pathway.noms || {})) target.append(verdictCard(v));
  }
}

function liveScoring(form, target) {
  let sent = 0;
  const update = debounce(async () => {
    const values = formValues(form);
    delete values.patient_id;
    delete values.site;
    const mine = ++sent;
    const { status, data } = await api("POST", "/api/score", values);
    if (mine !== sent) return; // a newer request is on its way: never show an older answer over it
    if (status === 200) {
      clearErrors(form);
      renderCard(target, data);
    } else if (status === 422) {
      const general = showErrors(form, data.errors);
      target.replaceChildren(el("p", "Correct the marked fields to see the scores.", "error"));
      for (const g of general) target.append(el("p", g, "error"));
    }
  }, 150);
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  return update;
}

// -------------------------------------------------------------------------------------------- pages
const pages = {
  login() {
    const form = document.getElementById("login-form");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const { status, data } = await api("POST", "/api/login", {
        username: form.username.value, password: form.password.value,
      });
      if (status === 200) {
        window.location.assign(data.user.role === "auditor" ? "/audit" : "/patients");
      } else {
        document.getElementById("login-error").textContent =
          status === 429 ? data.detail : "Wrong user name or password.";
      }
    });
  },

  calculator() {
    liveScoring(document.getElementById("patient-form"), document.getElementById("results"));
  },

  record() {
    const form = document.getElementById("patient-form");
    const results = document.getElementById("results");
    const record = JSON.parse(document.getElementById("record-data").textContent);
    const status = document.getElementById("save-status");
    const conflict = document.getElementById("conflict");
    let version = record ? record.version : null;
    if (record) setValues(form, Object.assign({ site: record.site }, record.values));
    if (record && record.site) {
      const site = form.querySelector('[name="site"]');
      if (site) site.disabled = true;
    }
    const rescore = liveScoring(form, results);
    if (record) rescore();
    if (form.dataset.canWrite !== "yes") {
      for (const input of form.querySelectorAll("input, select")) input.disabled = true;
    }
    let saved = record ? formValues(form) : {};

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      status.textContent = "";
      conflict.hidden = true;
      const values = formValues(form);
      const reason = (document.getElementById("reason") || {}).value || null;
      let answer;
      if (!record) {
        const patientId = values.patient_id;
        const site = values.site;
        delete values.patient_id;
        delete values.site;
        for (const k of Object.keys(values)) if (values[k] === "") delete values[k];
        answer = await api("POST", "/api/patients", { patient_id: patientId, site, values, reason });
        if (answer.status === 201) {
          const go = await api("POST", "/api/handles", { patient_id: patientId });
          window.location.assign(go.data.url);
          return;
        }
      } else {
        const changed = {};
        for (const [k, v] of Object.entries(values)) {
          if (k !== "site" && (saved[k] || "") !== v) changed[k] = v;
        }
        answer = await api("PATCH", `/api/patients/${encodeURIComponent(record.patient_id)}`,
          { values: changed, reason }, { "If-Match": String(version) });
        if (answer.status === 200) {
          version = answer.data.version;
          saved = formValues(form);
          document.getElementById("record-version").textContent = version;
          clearErrors(form);
          status.textContent = `Saved (version ${version}).`;
          return;
        }
      }
      if (answer.status === 422) {
        const general = showErrors(form, answer.data.errors);
        status.textContent = "";
        conflict.hidden = general.length === 0;
        conflict.replaceChildren(...general.map((g) => el("p", g)));
        const first = form.querySelector(".field.invalid");
        if (first) first.scrollIntoView({ block: "center" });
      } else if (answer.status === 412) {
        const d = answer.data;
        conflict.hidden = false;
        conflict.replaceChildren(
          el("h2", `Not saved: someone else saved this record (now version ${d.current}, you started from ${d.expected}).`),
        );
        const list = el("ul");
        for (const c of d.changes) {
          list.append(el("li", `${c.user} changed ${c.column || "the record"}: ${c.old ?? "(empty)"} → ${c.new ?? "(empty)"} (version ${c.version})`));
        }
        for (const c of d.conflicts) {
          list.append(el("li", `${c.column}: yours ${c.yours || "(empty)"}, stored ${c.theirs || "(empty)"}`));
        }
        conflict.append(list, el("p", "Reload the page to see the current record, then apply your changes again."));
        conflict.scrollIntoView({ block: "start" });
      } else {
        conflict.hidden = false;
        conflict.replaceChildren(el("p", (answer.data && answer.data.detail) || `error ${answer.status}`));
        conflict.scrollIntoView({ block: "start" });
      }
    });

    if (record) {
      renderVisits(record);
      const visit = document.getElementById("visit-form");
      if (visit) {
        visit.addEventListener("submit", async (event) => {
          event.preventDefault();
          const body = {};
          for (const input of visit.querySelectorAll("[name]")) body[input.name] = input.value.trim() || null;
          const answer = await api("POST", `/api/patients/${encodeURIComponent(record.patient_id)}/followups`, body);
          if (answer.status === 201) {
            clearErrors(visit);
            visit.reset();
            renderVisits(answer.data);
            status.textContent = "Visit recorded.";
          } else if (answer.status === 422) {
            const general = showErrors(visit, answer.data.errors);
            if (general.length) status.textContent = general.join("; ");
          }
        });
      }
    }
  },

  patients() {
    const form = document.getElementById("filters");
    const body = document.querySelector("#patient-list tbody");
    const load = async () => {
      const params = new URLSearchParams();
      for (const input of form.querySelectorAll("[name]")) {
        const name = input.name === "site_text" ? "site" : input.name;
        if (input.value) params.set(name, input.value);
      }
      params.set("limit", "200");
      const { status, data } = await api("GET", `/api/patients?${params}`);
      body.replaceChildren();
      if (status !== 200) return;
      document.getElementById("count").textContent = `${data.total} patient(s)`;
      for (const p of data.items) {
        const row = el("tr", null, "link");
        for (const cell of [p.patient_id, p.site, p.surgery_date, p.primary_tumor, p.procedure,
          p.tokuhashi === null ? "" : `${p.tokuhashi} (${p.tokuhashi_band})`, p.version]) row.append(el("td", cell));
        row.addEventListener("click", async () => {
          const go = await api("POST", "/api/handles", { patient_id: p.patient_id });
          if (go.status === 200) window.location.assign(go.data.url);
        });
        body.append(row);
      }
    };
    form.addEventListener("submit", (event) => { event.preventDefault(); load(); });
    load();
  },

  audit() {
    const form = document.getElementById("audit-filters");
    const body = document.querySelector("#audit-list tbody");
    let items = [];
    const load = async () => {
      const params = new URLSearchParams();
      for (const input of form.querySelectorAll("[name]")) if (input.value) params.set(input.name, input.value);
      const { status, data } = await api("GET", `/api/audit?${params}`);
      body.replaceChildren();
      if (status !== 200) return;
      items = data.items;
      for (const a of items) {
        const row = el("tr");
        for (const cell of [a.at, a.username, a.action, a.table_name, a.record_id, a.field, a.old_value,
          a.new_value, a.reason]) row.append(el("td", cell));
        body.append(row);
      }
    };
    form.addEventListener("submit", (event) => { event.preventDefault(); load(); });
    document.getElementById("audit-export").addEventListener("click", () => {
      const cols = ["at", "username", "action", "table_name", "record_id", "field", "old_value", "new_value", "reason"];
      const safe = (v) => {
        let s = v === null || v === undefined ? "" : String(v);
        if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
        return `"${s.replace(/"/g, '""')}"`;
      };
      const text = [cols.join(","), ...items.map((a) => cols.map((c) => safe(a[c])).join(","))].join("\n");
      const link = el("a");
      link.href = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
      link.download = "audit.csv";
      link.click();
    });
    load();
  },

  import() {
    const form = document.getElementById("import-form");
    const summary = document.getElementById("import-summary");
    const table = document.getElementById("import-problems");
    const send = async (dryRun) => {
      const data = new FormData();
      data.append("file", document.getElementById("import-file").files[0]);
      data.append("dry_run", dryRun ? "true" : "false");
      data.append("reason", document.getElementById("import-reason").value);
      const response = await fetch("/api/import", { method: "POST", body: data, headers: { "X-CSRF-Token": csrf() } });
      const body = await response.json();
      const rows = table.querySelector("tbody");
      rows.replaceChildren();
      if (response.status === 200) {
        table.hidden = true;
        const verb = body.dry_run ? "would add" : "added";
        summary.textContent = `${body.patients} patient(s): ${verb} ${body.inserted}, ` +
          `${body.dry_run ? "would change" : "changed"} ${body.updated} (${body.values_changed} value(s)), ` +
          `${body.unchanged} unchanged.${body.dry_run ? " Nothing stored yet." : " Stored."}`;
      } else {
        summary.textContent = body.detail || `error ${response.status}`;
        table.hidden = !(body.errors && body.errors.length);
        for (const e of body.errors || []) {
          const row = el("tr");
          for (const cell of [e.row, e.column, e.value, e.message, e.allowed]) row.append(el("td", cell));
          rows.append(row);
        }
      }
    };
    form.addEventListener("submit", (event) => { event.preventDefault(); send(true); });
    document.getElementById("import-commit").addEventListener("click", () => send(false));
  },

  users() {
    const body = document.querySelector("#user-list tbody");
    const form = document.getElementById("user-form");
    const load = async () => {
      const { status, data } = await api("GET", "/api/users");
      body.replaceChildren();
      if (status !== 200) return;
      for (const u of data.items) {
        const row = el("tr");
        for (const cell of [u.username, u.role, u.active ? "yes" : "no", u.sites.join(", ")]) row.append(el("td", cell));
        body.append(row);
      }
    };
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const sites = form.sites.value.split(",").map((s) => s.trim()).filter((s) => s);
      const answer = await api("POST", "/api/users", {
        username: form.username.value, password: form.password.value, role: form.role.value, sites,
      });
      if (answer.status === 201) {
        clearErrors(form);
        form.reset();
        document.getElementById("user-status").textContent = "User added.";
        load();
      } else if (answer.status === 422) {
        showErrors(form, answer.data.errors);
      }
    });
    load();
  },
};

function renderVisits(record) {
  const body = document.querySelector("#visits tbody");
  if (!body) return;
  body.replaceChildren();
  for (const f of record.followups || []) {
    const row = el("tr");
    for (const cell of [f.date, f.status, f.frankel, f.barthel, f.vas, f.notes]) row.append(el("td", cell));
    body.append(row);
  }
  const s = record.survival;
  document.getElementById("survival").textContent = s
    ? `Survival: ${s.survival_months} months, ${s.dead ? "dead" : "alive (censored)"} (from the ${s["from"]})`
    : "No follow-up yet: survival is derived once a visit is recorded.";
}

document.addEventListener("DOMContentLoaded", () => {
  const logout = document.getElementById("logout");
  if (logout) {
    logout.addEventListener("click", async () => {
      await api("POST", "/api/logout");
      window.location.assign("/login");
    });
  }
  const page = pages[document.body.dataset.page];
  if (page) page();
});
