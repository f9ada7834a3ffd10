// Live threads (broadsheet/live): new approved comments, vote and rating totals and
// passage counts arrive without a reload. New comments wait behind a "3 new comments —
// show" bar, so what the reader is reading never moves until they ask. The page may be
// a cached copy: the stream starts from the event number it was rendered at
// (data-live-since), so the reader catches up with what came since, once.
// Without EventSource, or when the stream is refused, the cached comments API is asked
// every data-live-poll seconds (30 at least) while the page is visible. Without
// JavaScript nothing here runs and nothing is missing but the updates.
(function () {
  "use strict";
  var bar = document.querySelector("[data-live]");
  if (!bar || !window.fetch) return;
  var button = bar.querySelector(".live-show");
  var since = parseInt(bar.dataset.liveSince, 10) || 0;
  var every = Math.max(30, parseInt(bar.dataset.livePoll, 10) || 30) * 1000;
  var pending = [];     // comments from the stream, not yet shown: {id, parent, html}
  var unseen = {};      // comment ids the polling found that the page does not show
  var stale = false;    // more was missed than the stream can replay: reload
  var source = null;
  var timer = null;

  function onPage(id) { return !!document.getElementById("comment-" + id); }
  function unseenCount() { return Object.keys(unseen).filter(function (id) { return !onPage(id); }).length; }

  function updateBar() {
    var n = pending.length + unseenCount();
    if (stale) {
      button.textContent = "New comments — reload to show them";
    } else if (n) {
      button.textContent = n + (n === 1 ? " new comment" : " new comments") + " — show";
    }
    bar.hidden = !(n || stale);
    bar.dataset.count = String(n);
  }

  function insert(comment) {
    if (onPage(comment.id)) return null;
    var list = comment.parent ? document.getElementById("replies-" + comment.parent)
                              : document.getElementById("comment-list");
    if (!list) return null;  // a reply in a thread on another page of comments
    var holder = document.createElement("template");
    holder.innerHTML = comment.html.trim();
    var node = holder.content.firstElementChild;
    if (comment.parent) list.appendChild(node); else list.insertBefore(node, list.firstChild);
    if (window.htmx) window.htmx.process(node);
    return node;
  }

  function show() {
    if (stale) { window.location.reload(); return; }
    var first = null;
    pending.forEach(function (comment) { first = insert(comment) || first; });
    pending = [];
    if (unseenCount() && window.htmx) {
      unseen = {};
      var thread = bar.dataset.liveThreadUrl;
      window.htmx.ajax("GET", thread, { target: "#comment-thread", swap: "outerHTML" });
    }
    var empty = document.getElementById("comments-empty");
    if (empty && document.querySelector("#comment-list > li")) empty.hidden = true;
    updateBar();
    if (first) {
      first.setAttribute("tabindex", "-1");
      first.focus({ preventScroll: false });
    }
  }
  button.addEventListener("click", show);

  function setVotes(data) {
    var votes = document.querySelector("[data-votes='" + data.id + "']");
    if (!votes) return;
    var score = votes.querySelector(".vote-score");
    if (score) score.textContent = String(data.score);
    var up = votes.querySelector(".vote-up"), down = votes.querySelector(".vote-down");
    if (up) up.title = data.up + " up";
    if (down) down.title = data.down + " down";
  }

  function setTotals(data) {
    var heading = document.getElementById("comments-heading");
    if (heading) heading.textContent = data.count ? data.count + (data.count === 1 ? " comment" : " comments") : "Comments";
    var summary = document.querySelector("#rating-section .rating-summary");
    if (summary && data.rating) {
      summary.textContent = "";
      if (data.rating.count) {
        var strong = document.createElement("strong");
        strong.textContent = data.rating.average.toFixed(1);
        summary.appendChild(strong);
        summary.appendChild(document.createTextNode(" out of 5, " + data.rating.count +
          (data.rating.count === 1 ? " rating" : " ratings")));
      } else {
        summary.textContent = "No ratings yet";
      }
    }
    // passages.js draws the passages again from the annotations API.
    document.dispatchEvent(new CustomEvent("live:passages", { detail: data.passages || {} }));
  }

  function remove(data) {
    pending = pending.filter(function (comment) { return comment.id !== data.id; });
    delete unseen[data.id];
    var body = document.querySelector("#comment-" + data.id + " > .comment-body");
    if (body) {
      var removed = document.createElement("article");
      removed.className = "comment-body is-removed";
      removed.setAttribute("aria-label", "Removed comment");
      removed.appendChild(document.createElement("p")).textContent = "Comment removed.";
      body.replaceWith(removed);
    }
    updateBar();
  }

  var handlers = {
    comment: function (data) {
      if (onPage(data.id) || pending.some(function (c) { return c.id === data.id; })) return;
      pending.push(data);
      updateBar();
    },
    votes: setVotes,
    totals: setTotals,
    removed: remove,
    reset: function () { stale = true; updateBar(); }
  };

  function whenVisible(then) {
    if (document.visibilityState !== "hidden") { then(); return; }
    document.addEventListener("visibilitychange", function wait() {
      if (document.visibilityState === "hidden") return;
      document.removeEventListener("visibilitychange", wait);
      then();
    });
  }

  function connect() {
    if (!window.EventSource) { poll(); return; }
    source = new EventSource(bar.dataset.liveUrl + "?since=" + since);
    Object.keys(handlers).forEach(function (kind) {
      source.addEventListener(kind, function (event) {
        var number = parseInt(event.lastEventId, 10);
        if (number > since) since = number;
        handlers[kind](JSON.parse(event.data));
      });
    });
    source.addEventListener("bye", function () {
      // Idle for long: closed by the server; opened again when the reader looks.
      source.close();
      source = null;
      whenVisible(connect);
    });
    source.addEventListener("error", function () {
      // Still CONNECTING: the browser tries again by itself (after the server's retry:).
      // CLOSED: refused (too many streams, no such stream): poll instead.
      if (source && source.readyState === EventSource.CLOSED) {
        source = null;
        poll();
      }
    });
    bar.dataset.mode = "stream";
  }

  function collect(comments, into) {
    comments.forEach(function (comment) {
      if (comment.status === "approved" && !onPage(comment.id)) into[comment.id] = true;
      collect(comment.replies || [], into);
    });
  }

  function poll() {
    bar.dataset.mode = "poll";
    if (timer) return;
    var wait = every + Math.floor(Math.random() * every / 10);
    timer = window.setTimeout(function () {
      timer = null;
      whenVisible(function () {
        fetch(bar.dataset.liveCommentsUrl, { headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : null; })
          .then(function (data) {
            if (data) { collect(data.results || [], unseen); updateBar(); }
          })
          .catch(function () {})
          .then(poll);
      });
    }, wait);
  }

  connect();
})();
