// The export page reloads itself every two seconds while the export runs (no inline script: the CSP forbids it).
// Without script the page's "refresh" link does the same.
(function () {
  var box = document.getElementById("export-progress");
  if (!box || !box.dataset.refresh) { return; }
  window.setTimeout(function () { window.location.replace(box.dataset.refresh); }, 2000);
}());
