// Personalises a cacheable comment slot: fetches the reader's CSRF token, name and votes
// from /api/v1/session and applies them. Without this script the slot still works
// through plain form posts (see broadsheet/engagement/views.py).
(function () {
  "use strict";
  var slot = document.querySelector("[data-comments]");
  if (!slot || !window.fetch) return;
  var session = null;

  function apply(root, first) {
    if (!session) return;
    document.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (input) {
      input.value = session.csrf_token;
    });
    if (first) {
      // The cached page carries no stamp: start it once, when the reader opens the
      // page. Forms swapped in later bring their own (a form shown again after an
      // error keeps the one it was posted with).
      document.querySelectorAll("input[name=form_started]").forEach(function (input) {
        if (session.form_started) input.value = session.form_started;
      });
    }
    if (session.rating) {
      var star = document.querySelector("[data-rating] input[name=stars][value='" + session.rating + "']");
      if (star) star.checked = true;
    }
    if (session.user) {
      root.querySelectorAll(".guest-fields").forEach(function (fields) {
        fields.hidden = true;
        fields.querySelectorAll("[required]").forEach(function (el) { el.required = false; });
      });
      root.querySelectorAll(".signed-in-as").forEach(function (el) {
        el.textContent = "Commenting as " + session.user.name;
        el.hidden = false;
      });
    } else if (session.guest) {
      root.querySelectorAll(".comment-form").forEach(function (form) {
        [["author_name", "name"], ["author_email", "email"], ["author_url", "url"]].forEach(function (pair) {
          var input = form.elements[pair[0]];
          if (input && !input.value) input.value = session.guest[pair[1]] || "";
        });
        if (form.elements.remember) form.elements.remember.checked = true;
      });
    }
    Object.keys(session.votes || {}).forEach(function (id) {
      var votes = root.querySelector("[data-votes='" + id + "']");
      if (!votes) return;
      var mine = session.votes[id];
      votes.querySelectorAll("button.vote").forEach(function (button) {
        var own = (mine === 1 && button.classList.contains("vote-up")) ||
                  (mine === -1 && button.classList.contains("vote-down"));
        button.setAttribute("aria-pressed", own ? "true" : "false");
        button.value = own ? "0" : (button.classList.contains("vote-up") ? "1" : "-1");
      });
    });
    (session.mine || []).forEach(function (own) {
      var votes = root.querySelector("[data-votes='" + own.id + "']");
      if (votes) votes.remove();  // nobody votes on their own comment
      var actions = root.querySelector("[data-own='" + own.id + "']");
      if (!actions) return;
      actions.hidden = false;
      var edit = actions.querySelector(".comment-edit");
      if (edit) edit.hidden = !own.editable;
    });
  }

  var latest = 0;
  var loaded = false;
  function load() {
    var ticket = ++latest;  // an older answer arriving late must not undo a newer one
    var url = slot.dataset.sessionUrl + "?page=" + encodeURIComponent(slot.dataset.page);
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (ticket !== latest) return;
        session = data;
        document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRFToken": data.csrf_token }));
        apply(slot, !loaded);
        loaded = true;
        slot.dataset.ready = "true";
      });
  }

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    // A refused action's message replaces the one before it, never piles up.
    var target = event.detail.target;
    if (target) target.querySelectorAll(":scope > .action-error").forEach(function (old) {
      old.remove();
    });
  });

  document.body.addEventListener("htmx:afterSwap", function () {
    // A new comment, a reply form or another page of threads: personalise it too, and
    // refresh “mine” so a just-posted comment can be edited.
    load();
  });
  load();
})();
