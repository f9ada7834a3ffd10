// Keyboard shortcuts for the moderation queue: j/k move, x selects, a/s/r/b act on the
// focused comment by pressing its own button (the page works without this script).
(function () {
  var queue = document.querySelector("[data-moderation-queue]");
  if (!queue) return;
  var rows = Array.prototype.slice.call(queue.querySelectorAll("tr[data-comment]"));
  var current = -1;
  var keys = { a: "approve", s: "spam", r: "remove", b: "ban" };
  function focus(index) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, i) { row.classList.toggle("is-focused", i === current); });
    rows[current].focus();
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.matches("input:not([type=checkbox]), select, textarea")) return;
    if (event.key === "j") { focus(current + 1); event.preventDefault(); }
    else if (event.key === "k") { focus(current - 1); event.preventDefault(); }
    else if (current >= 0 && event.key === "x") {
      var box = rows[current].querySelector("input[type=checkbox]");
      box.checked = !box.checked;
      event.preventDefault();
    } else if (current >= 0 && keys[event.key]) {
      var button = rows[current].querySelector("[data-action='" + keys[event.key] + "']");
      if (button) { event.preventDefault(); button.click(); }
    }
  });
})();
