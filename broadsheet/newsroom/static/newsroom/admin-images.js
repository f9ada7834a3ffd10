// A picture's title is not its file name ("DSC_0042"): leave it empty on upload, and
// the image form takes the alt text for it (broadsheet/newsroom/forms.py).
document.addEventListener("wagtail:images-upload", function (event) {
  event.preventDefault();
});
