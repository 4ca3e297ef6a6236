// The annotated source text (/document/{slug}): the statements of a span on hover, click,
// Enter or Space, or of any selected passage; the #char=start,end fragment (RFC 5147,
// offsets in Unicode code points) scrolled to and outlined. No library, no network.
(function () {
  "use strict";
  var text = document.getElementById("text");
  var panel = document.getElementById("statements");
  if (!text || !panel) return;
  var empty = panel.querySelector(".empty");
  var selectionBox = panel.querySelector(".selection");
  var selectionLink = panel.querySelector(".selection-link");
  var articles = Array.prototype.slice.call(panel.querySelectorAll("article.passage"));
  var spans = Array.prototype.slice.call(text.querySelectorAll("span.ev"));
  var pieces = Array.prototype.slice.call(text.querySelectorAll("span[data-s]"));
  var total = Number(text.getAttribute("data-length"));
  var pinned = false; // a click, a key, a selection or a link chose what the panel shows
  var opener = null; // where focus returns on Escape

  function codePoints(s) { return Array.from(s).length; }
  function units(s, count) { return Array.from(s).slice(0, count).join("").length; }

  function show(numbers, from) {
    var wanted = {};
    numbers.forEach(function (n) { wanted[n] = true; });
    var any = false;
    articles.forEach(function (a) {
      var on = wanted[a.id.slice("passage-".length)] === true;
      a.hidden = !on;
      any = any || on;
    });
    empty.hidden = any;
    spans.forEach(function (s) {
      var on = s.getAttribute("data-p").split(" ").some(function (n) { return wanted[n]; });
      s.classList.toggle("active", on);
      s.setAttribute("aria-expanded", String(on && s === from));
    });
  }

  function overlapping(a, b) {
    return articles.filter(function (art) {
      var s = Number(art.getAttribute("data-s"));
      var e = Number(art.getAttribute("data-e"));
      return a === b ? s <= a && a < e : s < b && e > a;
    }).map(function (art) { return art.id.slice("passage-".length); });
  }

  function open(span, pin) {
    selectionBox.hidden = true;
    show(span.getAttribute("data-p").split(" "), span);
    if (pin) {
      pinned = true;
      opener = span;
    }
  }

  function close() {
    pinned = false;
    show([], null);
    selectionBox.hidden = true;
    if (opener) opener.focus();
    opener = null;
  }

  spans.forEach(function (span) {
    span.addEventListener("mouseenter", function () { if (!pinned) open(span, false); });
    span.addEventListener("click", function () {
      if (window.getSelection().isCollapsed) open(span, true);
    });
    span.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        open(span, true);
      }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") close();
  });

  // ---- offsets: DOM positions <-> code points of the text --------------------------------

  function textNodes(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var found = [];
    while (walker.nextNode()) found.push(walker.currentNode);
    return found;
  }

  function offsetOf(node, offset) {
    if (node.nodeType !== Node.TEXT_NODE) {
      var inside = offset < node.childNodes.length ? textNodes(node.childNodes[offset]) : [];
      if (inside.length) {
        node = inside[0];
        offset = 0;
      } else {
        var before = textNodes(node);
        if (!before.length) return null;
        node = before[before.length - 1];
        offset = node.data.length;
      }
    }
    var piece = node.parentElement && node.parentElement.closest("span[data-s]");
    if (!piece || !text.contains(piece)) return null;
    var count = 0;
    var nodes = textNodes(piece);
    for (var i = 0; i < nodes.length && nodes[i] !== node; i++) count += codePoints(nodes[i].data);
    return Number(piece.getAttribute("data-s")) + count + codePoints(node.data.slice(0, offset));
  }

  function clearOutline() {
    Array.prototype.slice.call(text.querySelectorAll("span.fragment")).forEach(function (mark) {
      var parent = mark.parentNode;
      while (mark.firstChild) parent.insertBefore(mark.firstChild, mark);
      parent.removeChild(mark);
      parent.normalize();
    });
  }

  // Wrap the code points [a, b) in span.fragment, piece by piece; returns the first wrapper,
  // or for a position (a == b) the piece holding it.
  function outline(a, b) {
    clearOutline();
    var first = null;
    pieces.forEach(function (piece) {
      var start = Number(piece.getAttribute("data-s"));
      var node = piece.firstChild;
      if (!node || node.nodeType !== Node.TEXT_NODE) return;
      var end = start + codePoints(node.data);
      if (a === b) {
        if (!first && start <= a && a < end) first = piece;
        return;
      }
      if (b <= start || a >= end) return;
      var range = document.createRange();
      range.setStart(node, units(node.data, Math.max(a, start) - start));
      range.setEnd(node, units(node.data, Math.min(b, end) - start));
      var mark = document.createElement("span");
      mark.className = "fragment";
      range.surroundContents(mark);
      if (!first) first = mark;
    });
    return first;
  }

  // #char=a,b / #char=a / #char=a, / #char=,b with optional ;length=N (RFC 5147).
  function parseFragment(hash) {
    var m = /^#char=(\d*)(,(\d*))?((?:;[^;]*)*)$/.exec(decodeURIComponent(hash));
    if (!m || (m[1] === "" && (m[2] === undefined || m[3] === ""))) return null;
    var a = m[1] === "" ? 0 : Number(m[1]);
    var b = m[2] === undefined ? a : m[3] === "" ? total : Number(m[3]);
    if (b < a) return null;
    var length = /;length=(\d+)/.exec(m[4] || "");
    return {
      a: Math.min(a, total),
      b: Math.min(b, total),
      length: length ? Number(length[1]) : null,
    };
  }

  var warning = document.createElement("p");
  warning.className = "fragment-warning";
  warning.setAttribute("role", "status");
  warning.hidden = true;
  text.parentNode.insertBefore(warning, text);

  function applyHash() {
    var f = parseFragment(window.location.hash);
    if (!f) return;
    warning.hidden = f.length === null || f.length === total;
    warning.textContent = warning.hidden ? "" :
      "This link was made for a text of " + f.length + " characters; this one has " + total +
      ": the passage may have moved.";
    var first = outline(f.a, f.b);
    var numbers = overlapping(f.a, f.b);
    var exact = articles.filter(function (art) {
      return Number(art.getAttribute("data-s")) === f.a && Number(art.getAttribute("data-e")) === f.b;
    }).map(function (art) { return art.id.slice("passage-".length); });
    selectionBox.hidden = true;
    show(exact.length ? exact : numbers, null);
    pinned = numbers.length > 0;
    if (first) {
      first.scrollIntoView({ block: "center" });
      var focusable = first.closest("span.ev") || (first.matches("span.ev") ? first : null);
      if (focusable) {
        focusable.focus({ preventScroll: true });
        opener = focusable;
      }
    }
  }

  window.addEventListener("hashchange", applyHash);
  Array.prototype.slice.call(document.querySelectorAll(".facts-index a, .passage .where a"))
    .forEach(function (a) {
      a.addEventListener("click", function () { window.setTimeout(applyHash, 0); });
    });

  // ---- selection: the passages it touches, and its own link ------------------------------

  function onSelect() {
    var selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) return;
    var range = selection.getRangeAt(0);
    if (!text.contains(range.commonAncestorContainer)) return;
    var a = offsetOf(range.startContainer, range.startOffset);
    var b = offsetOf(range.endContainer, range.endOffset);
    if (a === null || b === null || b <= a) return;
    var fragment = "#char=" + a + "," + b;
    show(overlapping(a, b), null);
    pinned = true;
    selectionLink.href = fragment;
    selectionLink.textContent = fragment;
    selectionBox.hidden = false;
    window.history.replaceState(null, "", fragment);
  }
  text.addEventListener("mouseup", onSelect);
  text.addEventListener("keyup", function (event) { if (event.shiftKey) onSelect(); });
  panel.querySelector(".copy-link").addEventListener("click", function () {
    var url = window.location.href.split("#")[0] + selectionLink.getAttribute("href");
    if (navigator.clipboard) navigator.clipboard.writeText(url);
  });

  applyHash();
  window.diplokgDocument = { offsetOf: offsetOf, parseFragment: parseFragment };
})();
