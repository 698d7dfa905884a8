// The gwlog page: a live tail of one stream and a graph of one event
// series, from the read-back API of the server that serves the page.
//
// Rule: whatever comes from the logs (lines, types, sources, attribute
// names, error texts) enters the page as text — textContent, option
// values, attribute values — never as markup. The server's
// Content-Security-Policy backs this up: no inline script, no other host.
//
// The page exposes its progress as data attributes for tests and
// monitoring: #tail[data-state, data-lines, data-stream],
// #chart[data-state, data-buckets, data-draws, data-span], #event-types[data-rows]
// and #history[data-rows].
"use strict";

(() => {
  const TAIL_BACK = 50;          // lines of history a new tail starts with
  const TAIL_KEEP = 1000;        // lines kept on screen
  const RETRY_MS = 3000;         // wait before reconnecting a dropped tail
  const GRAPH_MS = 5000;         // graph redraw interval
  const STATS_MS = 5000;         // counters refresh interval
  const SUGGEST_MS = 15000;      // event types refresh interval
  const TYPES_SINCE = "-7d";     // how far back the event types are listed
  const BUCKETS = 60;            // about this many buckets per graph
  const SVGNS = "http://www.w3.org/2000/svg";

  const $ = (id) => document.getElementById(id);

  // api returns the URL of an endpoint, relative to the page so that a
  // handler mounted under a prefix works, and without the user:password@
  // a page opened with credentials has: fetch refuses URLs with them, and
  // the browser sends the credentials it has for the page anyway.
  function api(path) {
    const u = new URL(path, location.href);
    u.username = "";
    u.password = "";
    return u.href;
  }

  // getJSON fetches a JSON answer; a non-2xx answer throws its error text.
  async function getJSON(path) {
    const r = await fetch(api(path), { cache: "no-store" });
    const text = await r.text();
    let body = null;
    try { body = JSON.parse(text); } catch (e) { /* not JSON */ }
    if (!r.ok) throw new Error(body && body.error ? body.error : `${r.status} ${r.statusText}`);
    return body;
  }

  function bytes(n) {
    const units = ["B", "KiB", "MiB", "GiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + " " + units[i];
  }

  // The page's choices live in the URL's fragment, so that a view can be
  // bookmarked: #stream=debug&type=webbrick/CT&source=…&attr=val&range=1h.
  function readHash() { return new URLSearchParams(location.hash.slice(1)); }
  function writeHash() {
    const h = new URLSearchParams();
    if (tail.stream) h.set("stream", tail.stream);
    for (const k of ["type", "source", "attr", "range"]) {
      if ($(k).value) h.set(k, $(k).value);
    }
    history.replaceState(null, "", "#" + h.toString());
  }

  // ---- Live tail ----------------------------------------------------

  const tail = {
    es: null,
    stream: "",
    retry: 0,
    held: [],       // lines that arrived while paused
    text: "",       // what the status says, pause aside
    box: $("tail"),

    state(s, text) {
      this.box.dataset.state = s;
      this.text = text;
      this.status();
    },

    status() {
      const held = $("pause").checked ? `; paused, ${this.held.length} new` : "";
      $("tail-status").textContent = this.text + held;
    },

    open(name) {
      this.close();
      if (name !== this.stream) this.clear();
      this.stream = name;
      this.box.dataset.stream = name;
      this.state("connecting", "connecting…");
      const es = new EventSource(api(`streams/${encodeURIComponent(name)}?follow=1&n=${TAIL_BACK}`));
      es.onopen = () => {
        // A reconnected tail starts again from its history.
        this.clear();
        this.state("open", "live");
      };
      es.onmessage = (ev) => this.add(ev.data);
      es.onerror = () => {
        // EventSource would reconnect by itself and replay the history;
        // start afresh instead, after a pause.
        es.close();
        if (this.es !== es) return;
        this.es = null;
        this.state("closed", `disconnected; retrying in ${RETRY_MS / 1000} s`);
        this.retry = setTimeout(() => this.open(name), RETRY_MS);
      };
      this.es = es;
    },

    close() {
      clearTimeout(this.retry);
      if (this.es) this.es.close();
      this.es = null;
    },

    clear() {
      this.box.replaceChildren();
      this.held = [];
      this.box.dataset.lines = "0";
      this.status();
    },

    add(line) {
      if ($("pause").checked) {
        this.held.push(line);
        if (this.held.length > TAIL_KEEP) this.held.shift();
        this.status();
        return;
      }
      this.append([line]);
    },

    append(lines) {
      const box = this.box;
      const atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 24;
      const frag = document.createDocumentFragment();
      for (const line of lines) {
        const div = document.createElement("div");
        div.className = "line " + lineClass(line);
        div.textContent = line;
        frag.append(div);
      }
      box.append(frag);
      while (box.childElementCount > TAIL_KEEP) box.firstElementChild.remove();
      box.dataset.lines = String(box.childElementCount);
      if (atEnd) box.scrollTop = box.scrollHeight;
    },

    resume() {
      const lines = this.held;
      this.held = [];
      this.append(lines);
      this.status();
    },
  };

  // lineClass picks a colour by the level the line names, or marks the
  // server's "… N lines missed" note.
  function lineClass(line) {
    if (line.startsWith("… ")) return "note";
    const m = /\b(CRITICAL|ERROR|WARNING|DEBUG)\b/.exec(line.slice(0, 120));
    return m ? m[1].toLowerCase() : "";
  }

  async function loadStreams() {
    const sel = $("stream");
    let list;
    try {
      list = await getJSON("streams");
    } catch (e) {
      tail.state("error", "cannot list streams: " + e.message);
      return;
    }
    sel.replaceChildren();
    for (const s of list) sel.append(new Option(s.name, s.name));
    const want = readHash().get("stream");
    const names = list.map((s) => s.name);
    sel.value = names.includes(want) ? want : names.includes("debug") ? "debug" : names[0] || "";
    if (sel.value) tail.open(sel.value);
    else tail.state("closed", "no streams");
  }

  // ---- Counters -----------------------------------------------------

  async function loadStats() {
    const p = $("stats");
    try {
      const st = await getJSON("stats");
      const streams = st.streams || [];
      const drops = streams.reduce((n, s) => n + (s.drops || 0), 0);
      const held = streams.reduce((n, s) => n + (s.bytes || 0), 0);
      const parts = [];
      if (st.ram_cap) parts.push(`RAM ${bytes(st.ram_used || 0)} of ${bytes(st.ram_cap)}`);
      parts.push(`${streams.length} streams hold ${bytes(held)}`);
      parts.push(`${drops} lines dropped`);
      if (st.events) parts.push(`${st.events.held} events (${st.events.evicted} evicted)`);
      const fw = Object.entries(st.forwards || {});
      if (fw.length) parts.push(`${fw.length} forwards`);
      p.textContent = parts.join(" · ");
      $("held").textContent = holds(streams, st.events).join(" · ");
    } catch (e) {
      p.textContent = "counters unavailable: " + e.message;
    }
  }

  // holds says what each ring holds in the RAM it takes:
  // "debug 9.2 MiB holds 61.0 MiB of log, 14 h 5 min".
  function holds(streams, events) {
    const out = [];
    for (const s of streams) {
      if (s.ram) out.push(`${s.name} ${bytes(s.ram)} holds ${bytes(s.plain || 0)} of log, ${span(s.first, s.last)}`);
    }
    if (events && events.ram) out.push(`events ${bytes(events.ram)} hold ${events.held} events, ${bytes(events.plain || 0)} of records, ${span(events.first, events.last)}`);
    return out;
  }

  // span says how long [first, last] (Unix ns) is.
  function span(first, last) {
    if (!first) return "nothing yet";
    const s = Math.round((last - first) / 1e9);
    if (s >= 172800) return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
    if (s >= 3600) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
    if (s >= 60) return `${Math.floor(s / 60)} min`;
    return `${s} s`;
  }

  // ---- Event types and sources --------------------------------------

  // types are the event types and sources held (GET /events/types); seen
  // maps type → source → set of their numeric attributes, for the
  // pickers.
  let types = [];
  let seen = new Map();

  // loadTypes lists the event types and sources and returns the series
  // written to last, among those with a numeric attribute.
  async function loadTypes() {
    let ans;
    try {
      ans = await getJSON(`events/types?since=${TYPES_SINCE}`);
    } catch (e) {
      $("types-status").textContent = "cannot list event types: " + e.message;
      return null;
    }
    types = ans.types || [];
    const m = new Map();
    let latest = null;
    for (const k of types) {
      const attrs = k.attrs || [];
      if (!m.has(k.type)) m.set(k.type, new Map());
      m.get(k.type).set(k.source, new Set(attrs));
      const t = Date.parse(k.last);
      if (attrs.length && (!latest || t > latest.t)) {
        latest = { type: k.type, source: k.source, attr: attrs.includes("val") ? "val" : attrs[0], t };
      }
    }
    seen = m;
    fillLists();
    showTypes(ans);
    return latest;
  }

  // stamp shows a time as the local time of day, with the date when it
  // is not today's.
  function stamp(t) {
    if (!Number.isFinite(t)) return "–";
    const d = new Date(t), now = new Date();
    const hms = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
    return d.toDateString() === now.toDateString() ? hms : `${MONTHS[d.getMonth()]} ${d.getDate()} ${hms}`;
  }

  // row makes a table row of text cells; a cell given as a node is put in
  // as it is.
  function row(cells, numeric) {
    const tr = document.createElement("tr");
    cells.forEach((c, i) => {
      const td = document.createElement("td");
      if (numeric.includes(i)) td.className = "num";
      if (c instanceof Node) td.append(c); else td.textContent = String(c);
      tr.append(td);
    });
    return tr;
  }

  // showTypes fills the list of event types and sources; a source's
  // button graphs its first numeric attribute.
  function showTypes(ans) {
    const body = $("event-types").tBodies[0];
    const rows = types.map((k) => {
      const attrs = k.attrs || [];
      let source = k.source;
      if (attrs.length) {
        source = document.createElement("button");
        source.type = "button";
        source.textContent = k.source;
        source.title = "graph " + k.type + " " + k.source;
        source.addEventListener("click", () => {
          $("type").value = k.type;
          $("source").value = k.source;
          $("attr").value = attrs.includes("val") ? "val" : attrs[0];
          fillLists();
          writeHash();
          drawGraph();
        });
      }
      return row([k.type, source, k.count, stamp(Date.parse(k.first)), stamp(Date.parse(k.last)), attrs.join(", ") || "–"], [2]);
    });
    body.replaceChildren(...rows);
    $("event-types").dataset.rows = String(rows.length);
    const kinds = new Set(types.map((k) => k.type)).size;
    const n = (k, what) => `${k} ${what}${k === 1 ? "" : "s"}`;
    let text = `${n(kinds, "type")} from ${n(types.length, "source")} in the last 7 days`;
    if (ans.truncated) text += " (more not listed)";
    if (ans.error) text += ` (${ans.error})`;
    $("types-status").textContent = text;
  }

  // ---- History held per stream --------------------------------------

  async function loadHistory() {
    let files;
    try {
      files = await getJSON("files");
    } catch (e) {
      $("history-status").textContent = "cannot list files: " + e.message;
      return;
    }
    const by = new Map();
    for (const f of files || []) {
      if (!by.has(f.stream)) by.set(f.stream, { files: 0, lines: 0, size: 0, first: Infinity, last: -Infinity });
      const h = by.get(f.stream);
      h.files++;
      h.lines += f.lines || 0;
      h.size += f.size || 0;
      if (f.first) h.first = Math.min(h.first, Date.parse(f.first));
      if (f.last) h.last = Math.max(h.last, Date.parse(f.last));
    }
    const rows = [...by].map(([name, h]) => row([name, h.files, h.lines, bytes(h.size), stamp(h.first), stamp(h.last)], [1, 2, 3]));
    $("history").tBodies[0].replaceChildren(...rows);
    $("history").dataset.rows = String(rows.length);
    $("history-status").textContent = `${by.size} streams hold ${(files || []).length} files`;
  }

  function fillList(id, values) {
    const list = $(id);
    list.replaceChildren();
    for (const v of [...values].sort()) list.append(new Option(v));
  }

  // fillLists offers the types seen, the sources of the chosen type and
  // the attributes of the chosen type and source.
  function fillLists() {
    const type = $("type").value, source = $("source").value;
    const sources = new Set(), attrs = new Set();
    for (const [t, bySource] of seen) {
      if (type && !t.startsWith(type)) continue;
      for (const [s, keys] of bySource) {
        sources.add(s);
        if (!source || s === source) keys.forEach((k) => attrs.add(k));
      }
    }
    fillList("types", seen.keys());
    fillList("sources", sources);
    fillList("attrs", attrs);
  }

  // ---- Graph --------------------------------------------------------

  const RANGES = { "1m": 60, "5m": 300, "15m": 900, "1h": 3600, "6h": 21600, "24h": 86400, "7d": 604800 };
  const SPANS = Object.values(RANGES);

  // windowSpan is the graph's window in seconds: the chosen range, or
  // for "auto" one that reaches back about to the earliest event held of
  // the chosen type and source, so that a fresh gateway's few readings
  // fill the graph rather than sit at its right edge.
  function windowSpan(type, source) {
    const r = $("range").value;
    if (r !== "auto") return RANGES[r] || 3600;
    let first = Infinity;
    for (const k of types) {
      if (type && !k.type.startsWith(type)) continue;
      if (source && !source.includes("*") && k.source !== source) continue;
      first = Math.min(first, Date.parse(k.first));
    }
    if (!Number.isFinite(first)) return 3600;
    // The shortest window that shows nine tenths of what is held: an
    // hour and a few seconds of readings is an hour's graph, not 6 hours'.
    const need = (Date.now() - first) / 1000 * 0.9;
    return SPANS.find((x) => x >= need) || SPANS[SPANS.length - 1];
  }
  // Round spacings in seconds, for buckets and time ticks.
  const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800,
    21600, 43200, 86400, 172800, 604800];

  // niceStep returns the first round spacing of at least s seconds.
  function niceStep(s) { return STEPS.find((x) => x >= s) || STEPS[STEPS.length - 1]; }

  let drawing = false;

  async function drawGraph() {
    const fig = $("chart");
    const attr = $("attr").value.trim();
    if (!attr) {
      fig.dataset.state = "empty";
      $("chart-svg").replaceChildren();
      $("chart-caption").textContent = "Choose an event type and a numeric attribute.";
      return;
    }
    if (drawing) return;
    drawing = true;
    try {
      const type = $("type").value.trim(), source = $("source").value.trim();
      const span = windowSpan(type, source);
      fig.dataset.span = String(span);
      const step = niceStep(span / BUCKETS);
      const q = new URLSearchParams({ attr, since: `-${span}s`, step: `${step}s` });
      if (type) q.set("type", type);
      if (source) q.set("source", source);
      const s = await getJSON("series?" + q.toString());
      const title = [type || "all types", source || "all sources", attr].join(" · ");
      render(s, step, title);
    } catch (e) {
      fig.dataset.state = "error";
      $("chart-caption").textContent = "Cannot draw the graph: " + e.message;
    } finally {
      drawing = false;
    }
  }

  // el makes an SVG element with attributes (plain values, set as such).
  function el(name, attrs, text) {
    const e = document.createElementNS(SVGNS, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  const r1 = (v) => Math.round(v * 10) / 10;

  // niceRange widens [lo, hi] to multiples of a round step (1, 2 or 5
  // times a power of ten) giving at most about n intervals.
  function niceRange(lo, hi, n) {
    const raw = (hi - lo) / n;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    let step = 10 * mag;
    for (const m of [1, 2, 5]) if (m * mag >= raw) { step = m * mag; break; }
    return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step, step];
  }

  const pad2 = (n) => String(n).padStart(2, "0");
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  // timeTicks are round local times, about one per 90 pixels.
  function timeTicks(t0, t1, width) {
    const most = Math.max(2, Math.floor(width / 90));
    const d = niceStep((t1 - t0) / 1000 / most) * 1000;
    const day = new Date(t0);
    day.setHours(0, 0, 0, 0);
    const out = [];
    let at = day.getTime() + Math.ceil((t0 - day.getTime()) / d) * d;
    if (d >= 86400000) at = day.getTime() + (day.getTime() < t0 ? 86400000 : 0);
    for (; at <= t1 && out.length < 100; at += d) {
      const t = new Date(at);
      const midnight = t.getHours() === 0 && t.getMinutes() === 0 && t.getSeconds() === 0;
      let label = `${pad2(t.getHours())}:${pad2(t.getMinutes())}`;
      if (d < 60000) label += `:${pad2(t.getSeconds())}`;
      if (d >= 86400000 || midnight) label = `${MONTHS[t.getMonth()]} ${t.getDate()}`;
      out.push({ at, label, major: midnight && d < 86400000 });
    }
    return out;
  }

  // render draws a series like gwlog plot: the min–max band, the average
  // line with gaps for empty buckets, axes and a legend.
  function render(s, step, title) {
    const svg = $("chart-svg"), fig = $("chart");
    const W = 900, H = 340, top = 36, right = 24, bottom = 40;
    const buckets = (s.buckets || []).map((b) => ({ ...b, t: Date.parse(b.start) }));
    // An empty bucket has null values: a gap, never a zero.
    const has = (b) => b.count > 0 && [b.min, b.max, b.avg].every((v) => typeof v === "number");
    const full = buckets.filter(has);
    const stepMs = step * 1000;
    const t0 = buckets.length ? buckets[0].t : Date.now() - 3600000;
    const t1 = buckets.length ? buckets[buckets.length - 1].t + stepMs : Date.now();

    let lo = Infinity, hi = -Infinity;
    for (const b of full) { lo = Math.min(lo, b.min, b.avg); hi = Math.max(hi, b.max, b.avg); }
    if (lo > hi) { lo = 0; hi = 1; }
    if (lo === hi) { const p = Math.abs(lo) * 0.1 || 1; lo -= p; hi += p; }
    const [v0, v1, vstep] = niceRange(lo, hi, Math.max(2, Math.floor((H - top - bottom) / 48)));
    const dec = Math.max(0, -Math.floor(Math.log10(vstep) + 1e-9));
    const vticks = [];
    for (let v = v0; v <= v1 + vstep / 2; v += vstep) vticks.push(v);
    const label = (v) => { const t = v.toFixed(dec); return Number(t) === 0 ? (0).toFixed(dec) : t; };
    const left = Math.max(44, Math.max(...vticks.map((v) => label(v).length)) * 7 + 18);

    const x = (t) => left + (t - t0) / (t1 - t0) * (W - right - left);
    const y = (v) => H - bottom - (v - v0) / (v1 - v0) * (H - bottom - top);
    const mid = (b) => x(b.t + stepMs / 2);

    const parts = [el("rect", { class: "bg", x: 0, y: 0, width: W, height: H })];
    const grid = el("g", { class: "grid" });
    const xt = timeTicks(t0, t1, W - right - left);
    for (const v of vticks) grid.append(el("line", { x1: left, x2: W - right, y1: r1(y(v)), y2: r1(y(v)) }));
    for (const t of xt) grid.append(el("line", { x1: r1(x(t.at)), x2: r1(x(t.at)), y1: top, y2: H - bottom }));
    parts.push(grid);

    // Runs of consecutive buckets with values; gaps stay gaps.
    const runs = [];
    let run = null;
    for (const b of buckets) {
      if (has(b)) { if (!run) runs.push(run = []); run.push(b); } else run = null;
    }
    let band = "", line = "";
    for (const r of runs) {
      if (r.length === 1) {
        const b = r[0], cx = mid(b);
        band += `M${r1(cx - 3)},${r1(y(b.max))}H${r1(cx + 3)}V${r1(y(b.min))}H${r1(cx - 3)}Z`;
        line += `M${r1(cx)},${r1(y(b.avg))}h0`;
        parts.push(el("circle", { class: "point", r: 3, cx: r1(cx), cy: r1(y(b.avg)) }));
        continue;
      }
      band += r.map((b, i) => `${i ? "L" : "M"}${r1(mid(b))},${r1(y(b.max))}`).join("");
      band += r.slice().reverse().map((b) => `L${r1(mid(b))},${r1(y(b.min))}`).join("") + "Z";
      line += r.map((b, i) => `${i ? "L" : "M"}${r1(mid(b))},${r1(y(b.avg))}`).join("");
    }
    if (band) parts.push(el("path", { class: "band", d: band }));
    if (line) parts.push(el("path", { class: "line", d: line }));
    if (!runs.length) {
      parts.push(el("text", { class: "nodata", x: (left + W - right) / 2, y: (top + H - bottom) / 2 }, "no data"));
    }

    const axes = el("g", { class: "axis" });
    axes.append(el("line", { x1: left, x2: W - right, y1: H - bottom, y2: H - bottom }));
    axes.append(el("line", { x1: left, x2: left, y1: top, y2: H - bottom }));
    for (const t of xt) {
      axes.append(el("line", { x1: r1(x(t.at)), x2: r1(x(t.at)), y1: H - bottom, y2: H - bottom + 5 }));
      axes.append(el("text", { class: t.major ? "tick major" : "tick", x: r1(x(t.at)), y: H - bottom + 19, "text-anchor": "middle" }, t.label));
    }
    for (const v of vticks) {
      axes.append(el("line", { x1: left - 5, x2: left, y1: r1(y(v)), y2: r1(y(v)) }));
      axes.append(el("text", { class: "tick", x: left - 8, y: r1(y(v) + 4), "text-anchor": "end" }, label(v)));
    }
    parts.push(axes);

    const legend = el("g", { class: "legend" });
    legend.append(el("text", { class: "title", x: left, y: 22 }, title));
    const lx = W - right - 190;
    legend.append(el("rect", { class: "band", x: lx, y: 12, width: 22, height: 12 }));
    legend.append(el("text", { x: lx + 28, y: 22 }, "min–max"));
    legend.append(el("line", { class: "line", x1: lx + 100, x2: lx + 122, y1: 18, y2: 18 }));
    legend.append(el("text", { x: lx + 128, y: 22 }, "average"));
    parts.push(legend);
    svg.replaceChildren(...parts);

    const values = full.reduce((n, b) => n + b.count, 0);
    const when = (t) => { const d = new Date(t); return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`; };
    let caption = `${title}: ${values} values in ${full.length} of ${buckets.length} buckets of ${step} s, ${when(t0)}–${when(t1)}`;
    if (s.skipped) caption += `, ${s.skipped} not numeric`;
    if (s.error) caption += ` (${s.error})`;
    $("chart-caption").textContent = caption;
    fig.dataset.state = runs.length ? "drawn" : "nodata";
    fig.dataset.buckets = String(full.length);
    fig.dataset.draws = String(Number(fig.dataset.draws) + 1);
  }

  // ---- Wiring -------------------------------------------------------

  async function start() {
    const h = readHash();
    for (const k of ["type", "source", "attr", "range"]) {
      if (h.has(k)) $(k).value = h.get(k);
    }
    $("stream").addEventListener("change", () => { tail.open($("stream").value); writeHash(); });
    $("pause").addEventListener("change", () => { if ($("pause").checked) tail.status(); else tail.resume(); });
    $("clear").addEventListener("click", () => tail.clear());
    $("type").addEventListener("change", fillLists);
    $("source").addEventListener("change", fillLists);
    $("range").addEventListener("change", () => { writeHash(); drawGraph(); });
    $("series-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      writeHash();
      drawGraph();
    });

    loadStreams();
    loadStats();
    loadHistory();
    setInterval(loadStats, STATS_MS);
    setInterval(loadHistory, STATS_MS);
    const first = await loadTypes();
    // With no series chosen, graph the latest numeric one.
    if (first && !$("attr").value) {
      $("type").value = first.type;
      $("source").value = first.source;
      $("attr").value = first.attr;
      fillLists();
    }
    drawGraph();
    setInterval(drawGraph, GRAPH_MS);
    setInterval(loadTypes, SUGGEST_MS);
  }

  start();
})();
