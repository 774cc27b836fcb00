(function () {
  "use strict";
  // Item data: plain JSON, or (large runs) gzip+base64 unpacked with the browser's DecompressionStream.
  function loadData(done) {
    var node = document.getElementById("report-data");
    if (node.getAttribute("data-encoding") !== "gzip+base64") return done(JSON.parse(node.textContent));
    if (typeof DecompressionStream === "undefined") {
      var msg = document.createElement("p");
      msg.className = "note";
      msg.textContent = "This browser cannot unpack the item data (it needs DecompressionStream: Chrome 80+, Firefox 113+, Safari 16.4+). The tables and plots above are complete.";
      document.getElementById("items").appendChild(msg);
      return;
    }
    var bin = atob(node.textContent.trim()), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text()
      .then(function (text) { done(JSON.parse(text)); });
  }
  loadData(start);

  function start(D) {
  // All text reaches the page through textContent / createTextNode, never innerHTML.
  var M = D.metrics, S = D.systems, ITEMS = D.items;

  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) for (var k in attrs) if (attrs[k] !== undefined && attrs[k] !== null) node.setAttribute(k, attrs[k]);
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    }
    return node;
  }
  function fmt(v, m) {
    if (v === null || v === undefined) return "–";
    if ((D.counts || []).indexOf(m) >= 0 || Math.abs(v) >= 100) return v.toFixed(1);  // counts: one decimal
    return v.toFixed(3);
  }
  function score(it, sys, mi) {
    var r = it.recs[sys];
    return r && r.sc ? r.sc[mi] : null;
  }
  function counts(it) {
    var c = {err: 0, miss: 0, viol: 0};
    for (var s in it.recs) {
      var r = it.recs[s];
      if (r.err) c.err++;
      for (var id in r.v || {}) {
        var kind = kindOf(it, id);
        if (r.v[id] === "absent" && kind === "required") c.miss++;
        if (r.v[id] === "present" && kind === "forbidden") c.viol++;
      }
    }
    c.dup = Object.keys(it.article.dup || {}).length;
    return c;
  }
  function kindOf(it, id) {
    for (var i = 0; i < it.claims.length; i++) if (it.claims[i].id === id) return it.claims[i].kind;
    return "required";
  }
  var TEXT = ITEMS.map(function (it) {
    var parts = [it.id].concat(it.article.paras || [], it.refs || []);
    for (var s in it.recs) (it.recs[s].segs || []).forEach(function (g) { parts.push(g[0]); });
    return parts.join("\n").toLowerCase();
  });
  var FLAGS = ITEMS.map(counts);

  // ---- sortable tables (systems table is server-rendered) ----
  function sortRows(tbody, idx, type, dir) {
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.sort(function (a, b) {
      var x = a.cells[idx].getAttribute("data-v"), y = b.cells[idx].getAttribute("data-v");
      if (type === "num") {
        x = x === "" || x === null ? NaN : parseFloat(x); y = y === "" || y === null ? NaN : parseFloat(y);
        if (isNaN(x) && isNaN(y)) return 0;
        if (isNaN(x)) return 1;
        if (isNaN(y)) return -1;
        return dir * (x - y);
      }
      return dir * String(x).localeCompare(String(y));
    });
    rows.forEach(function (r) { tbody.appendChild(r); });
  }
  function makeSortable(table, onSort) {
    // Delegated: the items table rebuilds its header row when the metric changes.
    table.tHead.addEventListener("click", function (ev) {
      var th = ev.target.closest("th");
      if (!th) return;
      var ths = th.parentNode.cells, idx = th.cellIndex, type = th.getAttribute("data-type");
      var dir = th.classList.contains("sorted-desc") ? 1 : th.classList.contains("sorted-asc") ? -1 : (type === "text" ? 1 : -1);
      Array.prototype.forEach.call(ths, function (o) { o.classList.remove("sorted-asc", "sorted-desc"); });
      th.classList.add(dir > 0 ? "sorted-asc" : "sorted-desc");
      if (onSort) onSort(idx, type, dir);
      else sortRows(table.tBodies[0], idx, type, dir);
    });
  }
  makeSortable(document.getElementById("systable"));

  // ---- plot metric switches: a <select class="switch"> shows one of its target divs ----
  document.querySelectorAll("select.switch").forEach(function (sel) {
    sel.addEventListener("change", function () {
      document.querySelectorAll(sel.getAttribute("data-target")).forEach(function (d, i) { d.classList.toggle("hidden", String(i) !== sel.value); });
    });
  });

  // ---- items table: metric choice, filters, sorting ----
  var ui = {metric: document.getElementById("imetric"), system: document.getElementById("isystem"),
            min: document.getElementById("imin"), max: document.getElementById("imax"), q: document.getElementById("iq"),
            err: document.getElementById("ferr"), miss: document.getElementById("fmiss"),
            viol: document.getElementById("fviol"), dup: document.getElementById("fdup")};
  var head = document.getElementById("itemhead"), body = document.getElementById("itembody");
  var sortState = {col: -1, dir: 1}, selected = -1;

  function visible(i, mi) {
    var it = ITEMS[i], f = FLAGS[i];
    if (ui.err.checked && !f.err) return false;
    if (ui.miss.checked && !f.miss) return false;
    if (ui.viol.checked && !f.viol) return false;
    if (ui.dup.checked && !f.dup) return false;
    var q = ui.q.value.trim().toLowerCase();
    if (q && TEXT[i].indexOf(q) < 0) return false;
    var lo = ui.min.value === "" ? null : parseFloat(ui.min.value), hi = ui.max.value === "" ? null : parseFloat(ui.max.value);
    if (lo !== null || hi !== null) {
      var systems = ui.system.value ? [ui.system.value] : S, ok = false;
      systems.forEach(function (s) {
        var v = score(it, s, mi);
        if (v !== null && v !== undefined && (lo === null || v >= lo) && (hi === null || v <= hi)) ok = true;
      });
      if (!ok) return false;
    }
    return true;
  }
  function spread(i, mi) {
    var vals = S.map(function (s) { return score(ITEMS[i], s, mi); }).filter(function (v) { return v !== null && v !== undefined; });
    return vals.length > 1 ? Math.max.apply(null, vals) - Math.min.apply(null, vals) : null;
  }
  function sortKey(i, mi) {
    var c = sortState.col;
    if (c === 0) return ITEMS[i].id;
    if (c >= 1 && c <= S.length) return score(ITEMS[i], S[c - 1], mi);
    if (c === S.length + 1) return spread(i, mi);
    return null;
  }
  function renderTable() {
    var mi = M.indexOf(ui.metric.value), dir = D.dir[ui.metric.value] || 0;
    head.textContent = "";
    head.appendChild(el("th", {"data-type": "text"}, "item"));
    S.forEach(function (s, k) { head.appendChild(el("th", {"data-type": "num"}, el("span", {"class": "dot c" + (k % 8)}), s)); });
    head.appendChild(el("th", {"data-type": "num", title: "max − min across systems"}, "spread"));
    head.appendChild(el("th", {"data-type": "text"}, "flags"));
    if (sortState.col >= 0 && head.cells[sortState.col]) head.cells[sortState.col].classList.add(sortState.dir > 0 ? "sorted-asc" : "sorted-desc");
    var order = [];
    for (var i = 0; i < ITEMS.length; i++) if (visible(i, mi)) order.push(i);
    if (sortState.col >= 0) order.sort(function (a, b) {
      var x = sortKey(a, mi), y = sortKey(b, mi);
      if (x === null && y === null) return a - b;
      if (x === null) return 1;
      if (y === null) return -1;
      if (typeof x === "string") return sortState.dir * x.localeCompare(y);
      return sortState.dir * (x - y) || a - b;
    });
    body.textContent = "";
    var frag = document.createDocumentFragment();
    order.forEach(function (i) {
      var it = ITEMS[i], f = FLAGS[i];
      var vals = S.map(function (s) { return score(it, s, mi); });
      var present = vals.filter(function (v) { return v !== null && v !== undefined; });
      var best = present.length > 1 && dir !== 0 ? (dir > 0 ? Math.max.apply(null, present) : Math.min.apply(null, present)) : null;
      var tr = el("tr", {"data-index": i, "data-item": it.id}, el("td", null, it.id));
      vals.forEach(function (v) { tr.appendChild(el("td", {"class": "num" + (best !== null && v === best ? " best" : "")}, fmt(v, ui.metric.value))); });
      var sp = spread(i, mi);
      tr.appendChild(el("td", {"class": "num"}, sp === null ? "–" : fmt(sp, ui.metric.value)));
      tr.appendChild(el("td", null,
        f.err ? el("span", {"class": "flag err"}, f.err + " error") : null,
        f.miss ? el("span", {"class": "flag miss"}, f.miss + " missed") : null,
        f.viol ? el("span", {"class": "flag viol"}, f.viol + " violated") : null,
        f.dup ? el("span", {"class": "flag"}, f.dup + " dup ¶") : null,
        (it.why || []).length ? el("span", {"class": "flag why", title: "why this item is shown: " + it.why.join("; ")}, it.why[0]) : null));
      if (i === selected) tr.classList.add("sel");
      tr.setAttribute("tabindex", "0");
      tr.addEventListener("click", function () { openItem(i, true); });
      tr.addEventListener("keydown", function (ev) { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); openItem(i, true); } });
      frag.appendChild(tr);
    });
    body.appendChild(frag);
    document.getElementById("itemcount").textContent = "showing " + order.length + " of " + ITEMS.length + " items" +
      (D.total_items ? " (a selection of the run's " + D.total_items.toLocaleString("en") + ")" : "");
  }
  makeSortable(document.getElementById("itemtable"), function (idx, type, d) {
    sortState = {col: idx, dir: d};
    renderTable();
  });
  ["metric", "system", "min", "max", "q", "err", "miss", "viol", "dup"].forEach(function (k) {
    ui[k].addEventListener(ui[k].tagName === "SELECT" || ui[k].type === "checkbox" ? "change" : "input", renderTable);
  });

  // ---- drill-down ----
  var VERDICT = {
    required: {present: ["hit", "✓ hit"], absent: ["missed", "✗ missed"], undecided: ["undecided", "? undecided"], nan: ["undecided", "? judge failed"]},
    forbidden: {present: ["violated", "⚠ violated"], absent: ["ok", "✓ not asserted"], undecided: ["undecided", "? undecided"], nan: ["undecided", "? judge failed"]}
  };
  function claimText(it, id) {
    for (var i = 0; i < it.claims.length; i++) if (it.claims[i].id === id) return it.claims[i].claim;
    return "";
  }
  function summaryNode(it, r) {
    var p = el("p", {"class": "sum"});
    (r.segs || []).forEach(function (g) {
      if (!g[1].length) { p.appendChild(document.createTextNode(g[0])); return; }
      var spans = g[1].map(function (k) { return r.spans[k]; });
      var cls = ["bad", "faith", "ev", "faith-weak"].filter(function (c) { return spans.some(function (s) { return s.cls === c; }); })[0] || "ev";
      var title = spans.map(function (s) {
        if (s.cls === "faith" || s.cls === "faith-weak") return "faithfulness — " + s.label;
        return (s.cls === "bad" ? "violates " : "evidence for ") + s.claim + ": " + claimText(it, s.claim);
      }).join("\n");
      var m = el("mark", {"class": cls, title: title, "data-claims": " " + spans.map(function (s) { return s.claim || ""; }).join(" ") + " "}, g[0]);
      p.appendChild(m);
    });
    return p;
  }
  function samplesNode(r) {
    var mains = M.filter(function (m) { return !D.main || D.main.indexOf(m) >= 0; }).slice(0, 4);
    var box = el("details", {"class": "more samples"}, el("summary", null, r.smp.length + " samples — the scores above are their mean" +
      (Object.keys(r.sd || {}).length ? " (± is the spread between samples)" : "")));
    r.smp.forEach(function (smp, k) {
      var line = mains.map(function (m) { var v = smp[2][M.indexOf(m)]; return v === null || v === undefined ? null : m + " " + fmt(v, m); })
        .filter(function (x) { return x; }).join(" · ");
      box.appendChild(el("div", {"class": "sample"}, el("h5", null, "sample " + (k + 1) + (line ? " — " + line : "")),
        smp[1] ? el("div", {"class": "errbox"}, smp[1]) : null, smp[0] !== null ? el("p", {"class": "sum"}, smp[0]) : null));
    });
    return box;
  }
  function claimList(it, r, card) {
    var ul = el("ul", {"class": "claims"});
    it.claims.forEach(function (c) {
      var verdict = (r.v || {})[c.id];
      if (!verdict) return;
      var v = (VERDICT[c.kind] || VERDICT.required)[verdict] || ["undecided", verdict];
      var byJudge = (r.j || []).indexOf(c.id) >= 0;
      var li = el("li", {"class": v[0], "data-claim": c.id}, el("span", {"class": "v v-" + v[0]}, v[1]),
                  el("span", null, c.claim, " ", el("code", null, c.id), byJudge ? el("span", {"class": "flag", title: "decided by the LLM judge"}, "judge") : null));
      li.addEventListener("mouseenter", function () { hot(card, c.id, true); });
      li.addEventListener("mouseleave", function () { hot(card, c.id, false); });
      ul.appendChild(li);
    });
    return ul;
  }
  function hot(card, id, on) {
    card.querySelectorAll("mark").forEach(function (m) {
      if (m.getAttribute("data-claims").indexOf(" " + id + " ") >= 0) m.classList.toggle("hot", on);
    });
  }
  function articleNode(it) {
    var a = it.article, box = el("div", {"class": "card article"}, el("h3", null, "Article"));
    if (a.status === "missing") box.appendChild(el("p", {"class": "muted"}, "Article text not available (see the note at the top)."));
    if (a.status === "changed") box.appendChild(el("p", {"class": "note small"}, "The article in the suite has changed since this run; the text below is the current version."));
    (a.paras || []).forEach(function (t, k) {
      var d = (a.dup || {})[String(k + 1)];
      var p = el("p", d ? {"class": "dup"} : null, el("span", {"class": "pn"}, "¶" + (k + 1)), t);
      if (d) p.appendChild(el("span", {"class": "dupnote"}, "repeats ¶" + d.first + (d.removed ? " — removed before summarizing" : " — kept (run used --keep-duplicates)")));
      box.appendChild(p);
    });
    return box;
  }
  function openItem(i, scroll) {
    selected = i;
    var it = ITEMS[i], det = document.getElementById("detail");
    Array.prototype.forEach.call(body.rows, function (tr) { tr.classList.toggle("sel", tr.getAttribute("data-index") === String(i)); });
    det.textContent = "";
    det.appendChild(el("h2", null, "Item ", el("code", null, it.id)));
    if ((it.why || []).length) det.appendChild(el("p", {"class": "note small"}, "Shown as: " + it.why.join("; ") + "."));
    var side = el("div", {"class": "card"}, el("h3", null, it.refs.length > 1 ? "References" : "Reference"));
    if (!it.refs.length) side.appendChild(el("p", {"class": "muted"}, "Reference not available."));
    it.refs.forEach(function (t) { side.appendChild(el("p", {"class": "ref"}, t)); });
    if (it.claims.length) {
      side.appendChild(el("h3", null, "Checklist"));
      var ul = el("ul", {"class": "claims"});
      it.claims.forEach(function (c) { ul.appendChild(el("li", null, el("span", {"class": "v " + (c.kind === "forbidden" ? "v-violated" : "v-ok")}, c.kind), el("span", null, c.claim))); });
      side.appendChild(ul);
    }
    det.appendChild(el("div", {"class": "cols"}, articleNode(it), side));
    det.appendChild(el("p", {"class": "legend"}, "Highlights: ", el("mark", {"class": "ev"}, "checklist evidence"),
      el("mark", {"class": "bad"}, "forbidden claim asserted"), el("mark", {"class": "faith"}, "unsupported number/name/quote"),
      el("mark", {"class": "faith-weak"}, "word not in the article"),
      " — hover a claim to find its evidence."));
    var cards = el("div", {"class": "cards"});
    S.forEach(function (s, k) {
      var r = it.recs[s];
      if (!r) return;
      var card = el("div", {"class": "card sys", "data-system": s});
      card.appendChild(el("h3", null, el("span", {"class": "dot c" + (k % 8)}), s, r.cached ? el("span", {"class": "flag"}, "cached") : null));
      var sc = el("div", {"class": "scores"}), rest = el("div", {"class": "scores"}), nrest = 0;
      M.forEach(function (m, mi) {
        if (r.sc[mi] === null || r.sc[mi] === undefined) return;
        var main = !D.main || D.main.indexOf(m) >= 0;
        var sd = r.sd && r.sd[m] !== undefined && r.sd[m] !== null ? " ±" + fmt(r.sd[m], m) : "";
        (main ? sc : rest).appendChild(el("span", null, m + " ", el("b", null, fmt(r.sc[mi], m)), sd));
        if (!main) nrest++;
      });
      card.appendChild(sc);
      if (nrest) card.appendChild(el("details", {"class": "more"}, el("summary", null, nrest + " more metrics"), rest));
      if (r.err) card.appendChild(el("div", {"class": "errbox"}, r.err));
      if (r.segs) card.appendChild(summaryNode(it, r));
      if (r.smp) card.appendChild(samplesNode(r));
      card.appendChild(claimList(it, r, card));
      cards.appendChild(card);
    });
    det.appendChild(cards);
    if (scroll) {
      try { history.replaceState(null, "", "#item=" + encodeURIComponent(it.id)); } catch (e) { /* some browsers refuse on file: */ }
      det.scrollIntoView({block: "start"});
    }
  }
  function itemFromHash() {
    var m = /^#item=(.*)$/.exec(location.hash);
    if (!m) return -1;
    var id = decodeURIComponent(m[1]);
    for (var i = 0; i < ITEMS.length; i++) if (ITEMS[i].id === id) return i;
    return -1;
  }
  document.querySelectorAll("a.itemlink").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      var id = a.getAttribute("data-item");
      for (var i = 0; i < ITEMS.length; i++) if (ITEMS[i].id === id) { ev.preventDefault(); openItem(i, true); return; }
    });
  });
  renderTable();
  var first = itemFromHash();
  if (first >= 0) openItem(first, true);
  else if (ITEMS.length) openItem(0, false);
  document.body.setAttribute("data-ready", "1");
  }
})();
