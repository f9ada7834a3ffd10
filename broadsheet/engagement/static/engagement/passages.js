// Inline feedback: highlights the passages readers commented on, and lets a reader
// select a passage of the article and comment on it.
//
// Offsets are over the article's plain text exactly as the server builds it
// (broadsheet/newsroom/plain_text.py): each text block (paragraph, list item, heading,
// quotation) with whitespace collapsed, blocks joined by a blank line. Figures, captions
// and quote attributions are not part of it.
(function () {
  "use strict";
  var body = document.querySelector(".article-body");
  var slot = document.querySelector("[data-comments]");
  if (!body || !slot || !window.fetch) return;
  var CONTEXT = 32;
  var SPACE = /\s/;

  function blocks() {
    return Array.prototype.filter.call(
      body.querySelectorAll("p, li, h1, h2, h3, h4, h5, h6"),
      function (el) { return !el.closest("figure, footer, .passage-ui") && !el.querySelector("p, li"); }
    );
  }

  // The plain text, and for each of its characters the DOM point it came from
  // ([text node, offset]; null for the blank lines between blocks).
  function plainText() {
    var text = "", points = [];
    blocks().forEach(function (el) {
      var chunk = "", chunkPoints = [], pending = null;
      var walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
      for (var node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.nodeType === 1) {
          if (node.tagName === "BR" && chunk) pending = pending || [node, 0];
          continue;
        }
        for (var k = 0; k < node.data.length; k++) {
          if (SPACE.test(node.data[k])) {
            if (chunk && !pending) pending = [node, k];
            continue;
          }
          if (pending) { chunk += " "; chunkPoints.push(pending); pending = null; }
          chunk += node.data[k];
          chunkPoints.push([node, k]);
        }
      }
      if (!chunk) return;
      if (text) { text += "\n\n"; points.push(null, null); }
      text += chunk;
      points = points.concat(chunkPoints);
    });
    return { text: text, points: points };
  }

  function highlight(annotation, count) {
    var plain = plainText();
    if (plain.text.slice(annotation.start, annotation.end) !== annotation.exact) return;
    var runs = [];  // contiguous [node, from, to] pieces of the passage
    for (var i = annotation.start; i < annotation.end; i++) {
      var point = plain.points[i];
      if (!point || point[0].nodeType !== 3) continue;
      var last = runs[runs.length - 1];
      if (last && last[0] === point[0] && last[2] === point[1]) last[2] = point[1] + 1;
      else runs.push([point[0], point[1], point[1] + 1]);
    }
    runs.reverse().forEach(function (run, index) {
      var range = document.createRange();
      range.setStart(run[0], run[1]);
      range.setEnd(run[0], run[2]);
      var mark = document.createElement("mark");
      mark.className = annotation.question ? "passage is-question" : "passage";
      mark.dataset.comments = annotation.comments.join(",");
      // Runs go last to first: the first run carries the anchor, the last the count.
      if (index === runs.length - 1) mark.id = "passage-" + annotation.comments[0];
      mark.tabIndex = index === 0 ? 0 : -1;
      if (index === 0) {
        mark.dataset.count = String(count);
        mark.setAttribute("aria-label", annotation.question
          ? "The newsroom asks about this passage: " + count + (count === 1 ? " answer" : " answers")
          : count + (count === 1 ? " comment" : " comments") + " on this passage");
      }
      range.surroundContents(mark);
    });
  }

  function showComments(mark) {
    var first = null;
    document.querySelectorAll(".comment.is-highlighted").forEach(function (el) { el.classList.remove("is-highlighted"); });
    mark.dataset.comments.split(",").forEach(function (id) {
      var comment = document.getElementById("comment-" + id);
      if (comment) { comment.classList.add("is-highlighted"); first = first || comment; }
    });
    if (first) first.scrollIntoView({ behavior: "smooth", block: "center" });
  }

  var latest = 0;
  function load() {
    var ticket = ++latest;  // an older answer arriving late must not undo a newer one
    return fetch(slot.dataset.annotationsUrl, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (list) {
        if (ticket !== latest) return;
        body.querySelectorAll("mark.passage").forEach(function (mark) {
          mark.replaceWith.apply(mark, Array.prototype.slice.call(mark.childNodes));
        });
        body.normalize();
        var groups = {};
        list.forEach(function (a) {
          if (a.orphaned) return;
          var key = a.start + ":" + a.end;
          groups[key] = groups[key] || { start: a.start, end: a.end, exact: a.exact, comments: [], count: 0, question: false };
          groups[key].comments.push(a.comment_id);
          // A question counts its answers; a reader's comment counts itself.
          groups[key].count += a.question ? a.replies : 1;
          groups[key].question = groups[key].question || a.question;
        });
        Object.keys(groups).map(function (k) { return groups[k]; })
          .sort(function (a, b) { return b.start - a.start; })
          .forEach(function (group) { highlight(group, group.count); });
        body.dataset.passagesReady = "true";
      });
  }

  body.addEventListener("click", function (event) {
    var mark = event.target.closest("mark.passage");
    if (mark) showComments(mark);
  });
  body.addEventListener("keydown", function (event) {
    var mark = event.target.closest && event.target.closest("mark.passage");
    if (mark && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); showComments(mark); }
  });

  // Selecting a passage offers to comment on it.
  var button = document.createElement("button");
  button.type = "button";
  button.className = "button passage-ui passage-comment";
  button.textContent = "Comment on this passage";
  button.hidden = true;
  document.body.appendChild(button);
  var selected = null;

  function selectionQuote() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return null;
    var range = selection.getRangeAt(0);
    if (!body.contains(range.commonAncestorContainer)) return null;
    var plain = plainText(), start = -1, end = -1;
    for (var i = 0; i < plain.points.length; i++) {
      var p = plain.points[i];
      if (!p) continue;
      var inside = range.comparePoint(p[0], p[1]) === 0 &&
        range.comparePoint(p[0], Math.min(p[1] + 1, p[0].nodeType === 3 ? p[0].data.length : p[1])) === 0;
      if (inside) { if (start < 0) start = i; end = i + 1; }
    }
    if (start < 0) return null;
    while (start < end && SPACE.test(plain.text[start])) start++;
    while (end > start && SPACE.test(plain.text[end - 1])) end--;
    if (start >= end) return null;
    return {
      exact: plain.text.slice(start, end),
      prefix: plain.text.slice(Math.max(0, start - CONTEXT), start),
      suffix: plain.text.slice(end, end + CONTEXT),
      start: start,
      end: end,
      rect: range.getBoundingClientRect()
    };
  }

  function onSelect() {
    selected = selectionQuote();
    if (!selected) { button.hidden = true; return; }
    button.style.top = (window.scrollY + selected.rect.bottom + 8) + "px";
    button.style.left = (window.scrollX + selected.rect.left) + "px";
    button.hidden = false;
  }
  document.addEventListener("mouseup", function () { setTimeout(onSelect, 0); });
  document.addEventListener("keyup", function (event) { if (event.shiftKey || event.key === "Shift") onSelect(); });

  button.addEventListener("click", function () {
    var form = document.getElementById("comment-form");
    if (!selected || !form) return;
    ["exact", "prefix", "suffix", "start", "end"].forEach(function (name) {
      form.elements["quote_" + name].value = selected[name];
    });
    var preview = form.querySelector(".quote-preview");
    preview.querySelector(".quote-preview-text").textContent = selected.exact;
    preview.hidden = false;
    button.hidden = true;
    window.getSelection().removeAllRanges();
    form.scrollIntoView({ behavior: "smooth", block: "center" });
    form.elements.body.focus({ preventScroll: true });
  });

  document.addEventListener("click", function (event) {
    if (!event.target.classList.contains("quote-clear")) return;
    var form = event.target.closest("form");
    ["exact", "prefix", "suffix", "start", "end"].forEach(function (name) {
      form.elements["quote_" + name].value = "";
    });
    form.querySelector(".quote-preview").hidden = true;
  });

  // A new passage comment: draw its highlight too.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "comment-list") load();
  });
  // Passage counts changed on the live stream (broadsheet/live/static/live/live.js).
  document.addEventListener("live:passages", load);
  load();
})();
