// A picture's title is not its file name ("DSC_0042"): leave it empty on upload, and
// the image form takes the alt text for it (broadsheet/newsroom/forms.py).
document.addEventListener("wagtail:images-upload", function (event) {
  event.preventDefault();
});

// An empty image library has nothing to choose from: the image chooser opens on its
// upload tab. (Its "upload one now" link, shown only then, is a trigger of that tab.)
// After the tabs have settled on their first tab, or both panels would stay shown.
document.addEventListener("w-tabs:ready", function (event) {
  var uploadNow = event.target.querySelector("#search-results .upload-one-now");
  if (uploadNow) {
    window.setTimeout(function () {
      uploadNow.click();
    });
  }
});
