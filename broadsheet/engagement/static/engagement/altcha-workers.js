// Registers ALTCHA's proof-of-work worker from our static files. The widget's "external"
// build ships none of its own (the default build makes them from blob: URLs, which the
// Content-Security-Policy refuses). Runs after the widget's module (both are deferred,
// in document order) and before it solves: the challenge is fetched first.
(function () {
  "use strict";
  var script = document.currentScript;
  var altcha = window.$altcha;
  if (!script || !altcha || !altcha.algorithms) return;
  var url = script.dataset.worker;
  ["PBKDF2/SHA-256", "PBKDF2/SHA-384", "PBKDF2/SHA-512"].forEach(function (name) {
    altcha.algorithms.set(name, function () { return new Worker(url); });
  });
})();
