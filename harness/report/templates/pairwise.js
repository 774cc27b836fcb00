(function () {
  "use strict";
  // The [pairwise] judge's verdicts on the item open in the drill-down (#detail), under its summaries.
  // Only in reports of judged runs: appended to report.js, and reads its own data block. Whenever
  // report.js fills #detail with an item (its h2 names the id in a <code>), this adds the item's card.
  // All text reaches the page through textContent / createTextNode, never innerHTML.
  function el(tag, cls) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    }
    return node;
  }
  function loadData(done) {
    var node = document.getElementById("pairwise-data");
    if (!node) return;
    if (node.getAttribute("data-encoding") !== "gzip+base64") return done(JSON.parse(node.textContent));
    if (typeof DecompressionStream === "undefined") return;  // report.js already says why item data is missing
    var bin = atob(node.textContent.trim()), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text()
      .then(function (text) { done(JSON.parse(text)); });
  }
  function outcomeText(x) {
    if (x.outcome === "a") return ["good", "A wins (" + x.a + ")"];
    if (x.outcome === "b") return ["good", "B wins (" + x.b + ")"];
    if (x.outcome === "tie") return ["", "tie"];
    return ["err", "undecided"];
  }
  function verdictText(o) {
    if (o.verdict === "first") return "first (" + o.first + ")";
    if (o.verdict === "second") return "second (" + o.second + ")";
    if (o.verdict === "tie") return "tie";
    return "no verdict";
  }
  function lineNode(x) {
    var out = outcomeText(x);
    var agreed = x.consistent === true ? "orders agreed" : x.consistent === false ? "orders disagreed" : "not decided in both orders";
    var box = el("div", "pwline");
    box.setAttribute("data-a", x.a);
    box.setAttribute("data-b", x.b);
    box.appendChild(el("h4", null, el("span", "a", "A: " + x.a), " vs ", el("span", "b", "B: " + x.b), " ",
      el("span", "flag pwoutcome " + out[0], out[1]), el("span", "flag pwagree" + (x.consistent === false ? " miss" : ""), agreed)));
    var body = el("tbody");
    (x.orders || []).forEach(function (o) {
      var why = o.error ? el("div", "errbox", o.error) : el("span", "pwreason", o.reason || "");
      var tr = el("tr", "pworder", el("td", null, o.first), el("td", null, o.second),
        el("td", "pwverdict", verdictText(o), o.cached ? el("span", "flag", "cached") : null), el("td", "pwwhy", why));
      body.appendChild(tr);
    });
    box.appendChild(el("table", "pworders", el("thead", null, el("tr", null, el("th", null, "first shown"),
      el("th", null, "second shown"), el("th", null, "verdict"), el("th", null, "reason"))), body));
    return box;
  }
  function itemNode(lines) {
    var card = el("div", "card pwitem", el("h3", null, "Pairwise judge"));
    if (!lines) card.appendChild(el("p", "muted", "The pairwise judge has no verdict on this item."));
    (lines || []).forEach(function (x) { card.appendChild(lineNode(x)); });
    return card;
  }
  loadData(function (P) {
    var det = document.getElementById("detail"), byItem = new Map(P.items);
    function decorate() {
      var code = det.querySelector(":scope > h2 > code");
      if (!code || det.querySelector(":scope > .pwitem")) return;
      det.appendChild(itemNode(byItem.get(code.textContent)));
    }
    new MutationObserver(decorate).observe(det, {childList: true});
    decorate();  // an item report.js opened before this ran
  });
})();
