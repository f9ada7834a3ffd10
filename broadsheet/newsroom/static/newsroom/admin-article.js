// The article's edit form (broadsheet/newsroom/models.py and blocks.py).

// A picture the newsroom did not take or commission (a handout, a reader's, one from
// social media) starts as not verified: choosing that kind unticks "verified by the
// newsroom", for the lead image and for images in the body. The editor ticks it back
// once the newsroom has checked the picture.
document.addEventListener("change", function (event) {
  var kind = event.target;
  if (!(kind instanceof HTMLSelectElement) || !/(^|[-_])provenance$/.test(kind.name)) {
    return;
  }
  if (["handout", "reader", "social"].indexOf(kind.value) === -1 || !kind.form) {
    return;
  }
  var verified = kind.form.elements.namedItem(kind.name.replace(/provenance$/, "verified"));
  if (verified && verified.type === "checkbox" && verified.checked) {
    verified.checked = false;
    verified.dispatchEvent(new Event("change", { bubbles: true }));
  }
});

// A page cannot be saved without its title (the headline) and slug. Wagtail's
// autosave tries anyway when the first change to a new article is not the headline (a
// picture chosen first), or while the slug still waits for the headline's field to be
// left: the server answers 400 and the editor reads "Autosave is paused" before doing
// anything wrong. Autosave waits for both instead; the change that fills them saves as
// usual. (Caught on window, before Wagtail's own listeners on document.)
window.addEventListener(
  "w-autosave:save",
  function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.id !== "page-edit-form") {
      return;
    }
    var incomplete = ["title", "slug"].some(function (name) {
      var field = form.elements.namedItem(name);
      return field && "value" in field && !field.value.trim();
    });
    if (incomplete) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  },
  true,
);
